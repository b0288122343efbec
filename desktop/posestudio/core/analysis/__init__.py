"""One analysis of a clip: the pipelined run, the result and its file, the cache, person identities, left-out marks."""
