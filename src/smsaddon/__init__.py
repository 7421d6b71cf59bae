"""smsaddon: the SMS add-on of a marketing platform."""
