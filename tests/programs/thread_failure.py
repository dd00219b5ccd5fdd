"""A thread job fails and nobody adds an errback to its Deferred. Twisted logs
"Unhandled error in Deferred" when the collector frees that Deferred (its failure's
traceback holds a cycle): here at the program's own collection, before it prints
"after the collection". The recording held on to what takes the job's result
(deferToThread's closure over the Deferred) after handing it back: the error came
after the program's end, or not at all."""

from __future__ import annotations

import gc

from twisted.internet import reactor, threads


def job() -> None:
    raise ValueError("the job failed")


def collect() -> None:
    gc.collect()  # Twisted reports the dropped failure now (on stderr)
    print("after the collection", flush=True)


threads.deferToThread(job)
reactor.callLater(0.2, collect)
reactor.callLater(0.3, reactor.stop)
reactor.run()
print("end", flush=True)
