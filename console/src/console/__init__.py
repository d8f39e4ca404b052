"""The Anju office console: Chinese web pages for employment-office staff, over the gateway's public API."""
