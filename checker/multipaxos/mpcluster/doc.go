// Package mpcluster runs a real Multi-Paxos cluster and checks what it
// did (paxoscheck cluster): N paxosd processes on 127.0.0.1, a client
// workload against their HTTP API, and a nemesis on a seeded schedule
// that kills nodes with kill -9 and restarts them, cuts the network
// into partitions, and loses, delays, duplicates and corrupts frames
// through a fault-injecting proxy on every link (checker/nemesis). One
// fault acts at a point of the protocol rather than a point in time: the
// bridge (EvBridge) splits the cluster into two halves that both reach
// one acceptor, and kills that acceptor just after it sends a promise,
// which the proxy sees go by (nemesis.Proxy.Watch). When
// the run ends, every node is stopped, and three checkers read what
// happened:
//
//   - Porcupine, on the clients' history with its real time intervals
//     (an operation whose answer never came is pending, a timeout is
//     unknown, never a pass), ending with a read of every key, so that
//     a write that was acknowledged and then lost fails it;
//   - the nodes' parts merged into one trace (multipaxostrace.Merge),
//     replayed against the code with every invariant checked after every
//     step (mpmodel.Check), wherever the trace is whole;
//   - the processes themselves: none may panic or fail, and every killed
//     node must come back from its own files.
//
// Every process and port the run started is gone when it returns, also
// when its context is cancelled (Ctrl-C): processes get SIGKILL, and on
// Linux they die with the run's process even if that is killed.
package mpcluster
