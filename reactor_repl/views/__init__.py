"""Views: readers of the event stream (text lines, JSON lines, traces, programs)."""
