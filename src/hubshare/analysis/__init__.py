"""Analysis: shares, concentration, composition of a list, model properties per period, and what the input can support."""
