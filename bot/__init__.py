"""VoIP-Maroc question bot: a pure answering core and its front ends."""
