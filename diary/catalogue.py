"""The shared catalogue of common acute migraine medicines, by class (ICHD-3 8.2 groups)."""

from __future__ import annotations

ACUTE_MEDICATIONS: tuple[tuple[str, str], ...] = (
    ("Paracetamol (acetaminophen)", "simple_analgesic"),
    ("Aspirin", "simple_analgesic"),
    ("Ibuprofen", "simple_analgesic"),
    ("Naproxen", "simple_analgesic"),
    ("Diclofenac", "simple_analgesic"),
    ("Ketoprofen", "simple_analgesic"),
    ("Metamizole (dipyrone)", "simple_analgesic"),
    ("Sumatriptan", "triptan"),
    ("Rizatriptan", "triptan"),
    ("Zolmitriptan", "triptan"),
    ("Eletriptan", "triptan"),
    ("Naratriptan", "triptan"),
    ("Almotriptan", "triptan"),
    ("Frovatriptan", "triptan"),
    ("Ergotamine", "ergot"),
    ("Dihydroergotamine", "ergot"),
    ("Codeine", "opioid"),
    ("Tramadol", "opioid"),
    ("Oxycodone", "opioid"),
    ("Paracetamol + aspirin + caffeine", "combination_analgesic"),
    ("Paracetamol + codeine", "combination_analgesic"),
    # Contains a triptan: it makes a migraine day and counts at the triptan threshold.
    ("Sumatriptan + naproxen", "triptan"),
    ("Butalbital combination", "combination_analgesic"),
    ("Ubrogepant", "gepant"),
    ("Rimegepant", "gepant"),
    ("Zavegepant", "gepant"),
    ("Lasmiditan", "ditan"),
    ("Metoclopramide", "other"),
    ("Domperidone", "other"),
    ("Prochlorperazine", "other"),
)
