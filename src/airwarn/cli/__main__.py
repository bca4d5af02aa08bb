from airwarn.cli import main

if __name__ == "__main__":  # not when a `serve --workers` process (multiprocessing spawn) imports it
    main()
