// Package nemesis is the fault-injecting TCP proxy that a real cluster runs
// between its node processes (DESIGN.md, "Faults" and "The real runtime"):
// loss, duplication, corruption, delay (and so reordering) and partitions,
// without root and without iptables.
//
// # Where it sits
//
// A node dials one TCP connection per peer and only writes frames on it
// (impl/transport). The harness gives node i, as the address of peer j,
// the address of a Proxy that forwards to node j's real listener: one
// Proxy per ordered pair i -> j, so each Proxy's faults and partition
// concern exactly one direction of one link. The reverse direction of a
// proxied connection carries nothing; the proxy reads it only to learn that
// the target has closed.
//
// # Whole frames
//
// The proxy reads the source's stream one frame at a time
// (transport.ReadFrame) and decides the fate of each frame, never of bytes.
// That is the fault model of the spec and of the explorer: a message is
// lost, delayed, duplicated or reordered as a whole, as a datagram is on a
// real network, and TCP's own guarantees are not what is under test.
// Cutting a stream at an arbitrary byte would test only that the reader
// resynchronises after a reconnect, which a crash (kill -9) already does.
// Corruption is the one fault inside a frame: one byte after the length
// field (version, payload or checksum) is flipped, so the receiver's
// transport.ReadFrame must reject the frame with transport.ErrChecksum and
// read on. CRC-32C detects every error confined to one byte, so a corrupt
// frame never reaches a node as a different valid message; the length field
// is left alone because a wrong length loses the stream's framing (the
// receiver no longer knows where the next frame starts), which is a fault
// of the connection, not of one message.
//
// A frame that does not parse coming in is not forwarded. If the stream is
// still at a frame boundary (transport.Resumable) the proxy counts it and
// reads on; otherwise it closes both sides, which passes the
// connection-level problem on to the nodes: the source redials, as it would
// after any broken connection.
//
// # Decisions and reproducibility
//
// Each accepted connection draws its frames' fates from its own PCG
// (math/rand/v2), seeded from the Proxy's seed and the connection's index
// (the k-th connection the proxy forwards on). A frame's fate takes a fixed
// number of draws whatever the faults in force, so the fate of the n-th
// frame of a connection is a function of the seed, k, n, the frame's
// length and the Faults in force when it was read: the same seed and the
// same frames give the same sequence of drop, duplicate, corrupt and delay
// decisions, and turning one fault on does not move the decisions of
// another. Timing is not reproducible (when frames arrive, when a delay
// ends, which connection is the k-th after a redial race), so a cluster run
// is not replayed from its seed: its traces are what the checkers read.
//
// # Delay
//
// Each copy of a kept frame is held a uniform random delay in
// [0, MaxDelay], independently, so frames reorder. One writer goroutine per
// connection writes held frames in order of their due time (ties in the
// order they were read), each write with a deadline; with no delay, frames
// go out in the order they came in. The number of frames held per
// connection is bounded, so that a slow target pushes back on the source as
// TCP would. When the source's stream ends (closed, cut inside a frame, or
// unframeable), the source side is closed at once and the frames already
// held are still delivered before the target side is closed; when the
// target closes, or a write to it fails, both sides are closed at once and
// held frames are lost.
package nemesis
