"""What the recorded conversation says and what the fast tests ask of it (the recordings answer these)."""

CONVERSATION_LINES = [
    ("A", "Good morning, thanks for joining the planning call about the new library building."),
    ("B", "Happy to be here. The budget review is finished and we are still within the limit."),
    ("A", "Great. Please send the updated floor plans to the architects before Friday."),
    ("B", "I will do that today, and I will ask them about the delay with the windows."),
]
RECORDED_ANALYSES = ("sentiment", "action_items")
RECORDED_GENERATED = ("key_quotes",)
CHAT_QUESTION = "When should the floor plans be sent?"
