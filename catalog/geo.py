"""French departments and postal codes."""

from __future__ import annotations

DEPARTMENTS: dict[str, str] = {
    "01": "Ain",
    "02": "Aisne",
    "03": "Allier",
    "04": "Alpes-de-Haute-Provence",
    "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes",
    "07": "Ardèche",
    "08": "Ardennes",
    "09": "Ariège",
    "10": "Aube",
    "11": "Aude",
    "12": "Aveyron",
    "13": "Bouches-du-Rhône",
    "14": "Calvados",
    "15": "Cantal",
    "16": "Charente",
    "17": "Charente-Maritime",
    "18": "Cher",
    "19": "Corrèze",
    "2A": "Corse-du-Sud",
    "2B": "Haute-Corse",
    "21": "Côte-d'Or",
    "22": "Côtes-d'Armor",
    "23": "Creuse",
    "24": "Dordogne",
    "25": "Doubs",
    "26": "Drôme",
    "27": "Eure",
    "28": "Eure-et-Loir",
    "29": "Finistère",
    "30": "Gard",
    "31": "Haute-Garonne",
    "32": "Gers",
    "33": "Gironde",
    "34": "Hérault",
    "35": "Ille-et-Vilaine",
    "36": "Indre",
    "37": "Indre-et-Loire",
    "38": "Isère",
    "39": "Jura",
    "40": "Landes",
    "41": "Loir-et-Cher",
    "42": "Loire",
    "43": "Haute-Loire",
    "44": "Loire-Atlantique",
    "45": "Loiret",
    "46": "Lot",
    "47": "Lot-et-Garonne",
    "48": "Lozère",
    "49": "Maine-et-Loire",
    "50": "Manche",
    "51": "Marne",
    "52": "Haute-Marne",
    "53": "Mayenne",
    "54": "Meurthe-et-Moselle",
    "55": "Meuse",
    "56": "Morbihan",
    "57": "Moselle",
    "58": "Nièvre",
    "59": "Nord",
    "60": "Oise",
    "61": "Orne",
    "62": "Pas-de-Calais",
    "63": "Puy-de-Dôme",
    "64": "Pyrénées-Atlantiques",
    "65": "Hautes-Pyrénées",
    "66": "Pyrénées-Orientales",
    "67": "Bas-Rhin",
    "68": "Haut-Rhin",
    "69": "Rhône",
    "70": "Haute-Saône",
    "71": "Saône-et-Loire",
    "72": "Sarthe",
    "73": "Savoie",
    "74": "Haute-Savoie",
    "75": "Paris",
    "76": "Seine-Maritime",
    "77": "Seine-et-Marne",
    "78": "Yvelines",
    "79": "Deux-Sèvres",
    "80": "Somme",
    "81": "Tarn",
    "82": "Tarn-et-Garonne",
    "83": "Var",
    "84": "Vaucluse",
    "85": "Vendée",
    "86": "Vienne",
    "87": "Haute-Vienne",
    "88": "Vosges",
    "89": "Yonne",
    "90": "Territoire de Belfort",
    "91": "Essonne",
    "92": "Hauts-de-Seine",
    "93": "Seine-Saint-Denis",
    "94": "Val-de-Marne",
    "95": "Val-d'Oise",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "976": "Mayotte",
}


def department_of_postal_code(postal_code: str) -> str | None:
    """The department a French postal code belongs to, or ``None`` if it is not French.

    Corsica: 200xx–201xx are Corse-du-Sud (2A), 202xx–206xx Haute-Corse (2B).
    Overseas departments use three digits (971–976).
    """
    if len(postal_code) != 5 or not postal_code.isdigit():
        return None
    if postal_code.startswith("20"):
        return "2A" if int(postal_code[2]) <= 1 else "2B"
    if postal_code.startswith("97"):
        code = postal_code[:3]
        return code if code in DEPARTMENTS else None
    code = postal_code[:2]
    return code if code in DEPARTMENTS else None


def department_name(code: str) -> str:
    """Name of department ``code`` (the code itself when unknown)."""
    return DEPARTMENTS.get(code, code)


def is_valid_siret(siret: str) -> bool:
    """SIRET checksum: Luhn over 14 digits (La Poste's establishments: digit sum divisible by 5)."""
    if len(siret) != 14 or not siret.isdigit():
        return False
    if siret.startswith("356000000") and sum(int(c) for c in siret) % 5 == 0:
        return True
    total = 0
    for index, char in enumerate(reversed(siret)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


# How French says « in » a department: « dans l'Aisne », « dans le Nord », « en Savoie »… (by code).
_IN = {
    "dans l'": "01 02 03 10 11 27 34 36 60 61 89 91",
    "dans le ": "14 15 18 25 29 30 32 39 41 45 46 56 59 62 63 67 68 69 81 83 84 90 94 95",
    "dans la ": "23 26 42 50 51 55 58 72 80 86",
    "dans les ": "04 05 06 08 13 22 40 64 65 66 78 79 88 92",
    "à ": "75 974 976",
}
_IN_BY_CODE = {code: prefix for prefix, codes in _IN.items() for code in codes.split()}


def in_department(code: str) -> str:
    """« dans l'Aisne », « dans le Nord », « en Savoie », « à Paris »: ``code`` after « in »."""
    return _IN_BY_CODE.get(code, "en ") + department_name(code)
