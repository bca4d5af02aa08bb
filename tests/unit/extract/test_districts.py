"""Issue 14, districts: raions, district towns and city districts as real messages name them."""

from __future__ import annotations

from datetime import date

import pytest

from airwarn.extract.pipeline import Extractor

DAY = date(2026, 11, 24)


def _places(extractor: Extractor, text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(e.kind.value, e.region or "", tuple(e.districts)) for e in extractor.extract(text, date=DAY)]


@pytest.mark.parametrize(
    ("text", "region", "districts"),
    [
        # a Ukrainian town stands for its raion when the raion is named otherwise (like Engels → Engelssky) …
        ("У Вовчанську через удар КАБ поранено двох чоловіків.", "UA-63", ("Chuhuiv",)),
        ("Debris fell in Hostomel, damaging cars, the Kyiv regional administration said.", "UA-32", ("Bucha",)),
        # … but a town that shares its raion's name is the town
        ("Russian guided bombs struck Kupiansk, injuring three civilians.", "UA-63", ()),
        # a plural district word makes the listed names raions
        (
            "An air-raid alert was declared in the Izium and Kupiansk districts of Kharkiv Oblast.",
            "UA-63",
            ("Izium", "Kupiansk"),
        ),
        # a settlement lies in the district named right after it, whatever a namesake town stands for
        ("В селе Каменка Бессоновского района обломки БПЛА повредили кровлю двух домов.", "RU-PNZ", ("Bessonovsky",)),
        ("Дрони атакували Ворожбянську громаду Конотопського району. — Сумська ОВА", "UA-59", ("Konotop",)),
        # raions by their «-щина» names
        ("На Білоцерківщині внаслідок падіння уламків пошкоджено склад.", "UA-32", ("Bila Tserkva",)),
        ("На Криворіжжі вночі збито чотири безпілотники.", "UA-12", ("Kryvyi Rih",)),
        # a hyphenated town whose first part is inflected
        ("По данным местных СМИ, в Калаче-на-Дону ночью слышали взрывы.", "RU-VGG", ("Kalachyovsky",)),
    ],
)
def test_district_of_each_event(extractor: Extractor, text: str, region: str, districts: tuple[str, ...]) -> None:
    got = _places(extractor, text)
    assert got, text
    assert all(r == region and d == districts for _, r, d in got), got


def test_a_place_in_a_quoted_outlet_name_is_the_outlet(extractor: Extractor) -> None:
    assert _places(extractor, "Жители Гуково рассказали о нескольких хлопках ночью, пишет «Южный телеграф».") == [
        ("explosion", "RU-ROS", ("Gukovo",))
    ]
    # a quoted regime name still leaves the region named around it
    assert _places(extractor, "В Ростовской области введен режим «Беспилотная опасность».")[0][1] == "RU-ROS"


def test_kyiv_regional_administration_is_the_oblast_not_the_city(extractor: Extractor) -> None:
    regions = {r for _, r, _ in _places(extractor, "Drones were shot down, the Kyiv regional administration said.")}
    assert regions == {"UA-32"}


def test_vladimir_vladimirov_is_a_person(extractor: Extractor) -> None:
    for text in (
        "Губернатор Владимир Владимиров сообщил, что над Ставропольским краем сбит беспилотник.",
        "Над Ставропольским краем сбит беспилотник, сообщил Владимиров.",
    ):
        assert {r for _, r, _ in _places(extractor, text)} == {"RU-STA"}, text
    assert {r for _, r, _ in _places(extractor, "Над Владимиром сбит беспилотник.")} == {"RU-VLA"}


def test_ukrainian_without_its_own_letters_is_read_as_ukrainian(extractor: Extractor) -> None:
    kinds = {k for k, _, _ in _places(extractor, "Дрони атакували громаду, пошкоджено будинки. — Сумська ОВА")}
    assert kinds == {"drone_attack", "damage"}


def test_repelling_and_guided_bomb_wording(extractor: Extractor) -> None:
    assert ("interception", "RU-SAR", ("Volsky",)) in _places(
        extractor, "Бусаргин: в Вольске при отражении атаки беспилотников повреждено здание школы."
    )
    assert ("drone_attack", "UA-23", ("Polohy",)) in _places(
        extractor, "Three people were injured in a guided bomb attack on the Polohy district, the governor said."
    )


def test_an_officials_surname_settles_an_ambiguous_district_only(extractor: Extractor) -> None:
    # Rostov and Penza both have a Kamensky district
    rostov = "Ночью в Каменском районе отражена атака БПЛА. Пострадавших нет, — Юрий Слюсарь."
    penza = "В Каменском районе сбит беспилотник, сообщил Олег Мельниченко."
    assert {(r, d) for _, r, d in _places(extractor, rostov)} == {("RU-ROS", ("Kamensky",))}
    assert {(r, d) for _, r, d in _places(extractor, penza)} == {("RU-PNZ", ("Kamensky",))}
    # a surname never places an event by itself
    assert _places(extractor, "Над городом сбит беспилотник, сообщил Слюсарь.") == []


def test_a_raion_and_a_town_of_it_give_the_raion_once(extractor: Extractor) -> None:
    text = "Ворог атакував Нікопольський район, під ударом була Марганецька громада. Поранено жінку. — Сергій Лисак"
    assert {d for _, _, d in _places(extractor, text)} == {("Nikopol",)}


def test_fire_wording_is_damage(extractor: Extractor) -> None:
    for text in (
        "Drone debris sparked a fire at an industrial site, the Rostov governor said.",
        "Drones hit a substation in the Rostov region, causing a fire.",
        "Debris set fire to a fuel depot in the Kamensky district, Rostov Governor Yuri Slyusar said.",
    ):
        assert "damage" in {k for k, _, _ in _places(extractor, text)}, text
