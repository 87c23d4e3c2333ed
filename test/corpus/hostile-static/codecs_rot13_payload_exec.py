"""rot13-obfuscated source decoded with codecs and executed."""
import codecs

exec(codecs.decode("vzcbeg bf; bf.flfgrz('vq')", "rot13"))
