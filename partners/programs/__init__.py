"""Programs: a partner's price per job, dates, edit rules and the talents it books."""
