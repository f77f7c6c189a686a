"""Texts the tests and the benchmarks both speak or summarize."""

# Read one after another, these make a long file of distinct sentences (about a minute and a half).
STORY = [
    "Every morning the old fisherman walked down to the harbor before the sun came up.",
    "He checked his nets carefully, looking for holes that the crabs had made during the night.",
    "His daughter ran the small shop near the lighthouse and sold bread, coffee and newspapers.",
    "In the summer, tourists arrived on the ferry and asked for directions to the beach.",
    "The village council wanted to build a new road along the cliffs to the next town.",
    "Many people worried that the construction would scare away the birds that nested there.",
    "A young engineer from the city came to study the rocks and measure the wind.",
    "She stayed at the guest house for three weeks and wrote long reports every evening.",
    "In the end the council decided to repair the old bridge instead of building the road.",
    "The fisherman was pleased, because the bridge had been built by his grandfather.",
    "On the day it reopened, the whole village gathered for music, food and speeches.",
    "Children painted pictures of boats, and the best ones were hung in the school hall.",
    "Later that autumn, a storm damaged several roofs, but nobody in the village was hurt.",
    "Neighbors helped each other clear the streets and fix the broken windows.",
    "By winter, life had returned to its slow and quiet rhythm beside the grey sea.",
    "The fisherman still walks to the harbor every morning, although his steps are slower now.",
]
