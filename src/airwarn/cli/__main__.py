from airwarn.cli import main

main()
