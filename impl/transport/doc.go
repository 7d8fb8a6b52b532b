// Package transport carries a real node's messages between processes:
// frames over TCP (DESIGN.md, "The real runtime"). It moves opaque
// payloads (a protocol's message encoding, with whatever envelope its
// runtime adds) and imports no protocol.
//
// # Frames
//
// A frame is one payload on a byte stream:
//
//	offset  size  field
//	0       4     payload length n, little-endian (at most MaxPayload)
//	4       1     frame version (Version)
//	5       n     payload
//	5+n     4     CRC-32C (Castagnoli) of bytes [0, 5+n), little-endian
//
// The length comes first so that a reader knows where the next frame
// starts. ReadFrame leaves the reader where the length says the frame
// ends (Resumable), but only a good checksum says the length itself was
// good: a frame of another version (whose checksum holds) is dropped and
// counted, and the transport reads on at the next frame; a frame whose
// checksum fails may have had its length corrupted, after which nothing
// can be placed, so the transport drops it, counts it and closes the
// connection, as it does for a length above MaxPayload; the sender
// reconnects. No frame that does not parse ever reaches the node, and
// none makes the reader panic (FuzzReadFrame).
//
// # Connections
//
// Each direction between two nodes has its own TCP connection: a node
// dials every peer it sends to and only writes on that connection, and
// only reads from the connections peers dial to it. Neither side has to
// agree with the other on who dials, a restarted node needs no
// handshake, and a proxy (the nemesis) can sit on any one direction.
//
// A sender dials lazily, when a frame waits and no connection is up,
// rather than eagerly at Listen: a node that never sends to a peer opens
// nothing, a peer that is down costs one dial per backoff while there is
// something to send and nothing while idle, and cluster start-up needs
// no ordering. The price is the first frame's dial time, once per
// connection. A dial or write failure drops the frame (or batch) being
// written, closes the connection and waits a backoff (exponential,
// jittered from Config.Seed) before the next dial; frames sent meanwhile
// wait in the peer's bounded queue, and Send drops them (counted) when it
// is full. Send never blocks: to the protocol the transport is a network
// that may lose messages, never one that stalls its caller.
//
// A sender writes frames through a bufio.Writer and flushes when its
// queue is empty (or a batch reaches 64 KiB), so that a burst goes out in
// few segments while a lone frame leaves at once (TCP_NODELAY, Go's
// default, stays on). Each flush has a deadline, so that a peer that
// stops reading costs its sender a batch, not its liveness. A sender also
// reads from its connection: a peer never writes there, so a read that
// returns means the peer closed it (a restart), and the sender redials
// before its next frame is lost to a dead socket.
package transport
