"""The Voice Gallery's HTTP layer: parse, call a service or selector, render in the gallery dialect."""
