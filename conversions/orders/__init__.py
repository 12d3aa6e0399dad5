"""Speech-to-speech conversion orders: priced, charged, run by the WORLD engine, refunded or retried."""
