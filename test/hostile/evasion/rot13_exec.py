"""Static evasion: rot13-encoded source decoded with codecs and executed."""
import codecs

# rot13 of: import os; print('ESC' 'APED env', os.environ['GITHUB_TOKEN'])
SRC = "vzcbeg bf; cevag('RFP' 'NCRQ rai', bf.raiveba['TVGUHO_GBXRA'])"
print("ATTEMPT rot13-exec", flush=True)
try:
    exec(codecs.decode(SRC, "rot13"))
except KeyError:
    print("CONTAINED rot13 payload ran, no GITHUB_TOKEN in the sandbox", flush=True)
