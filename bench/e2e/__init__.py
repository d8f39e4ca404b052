"""Issue 14 §4: job.posted over HTTP to the SMS handed to the SMPP peer, with the stage breakdown."""
