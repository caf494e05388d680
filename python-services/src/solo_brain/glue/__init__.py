"""Transcription glue service: Whisper (speech to text) and Kokoro (text to speech), port 8101."""
