# bench: benchmark programs built with make (not installed).
