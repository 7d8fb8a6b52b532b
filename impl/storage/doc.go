// Package storage keeps a node's durable state on stable storage, so that
// a restarted node gets back exactly what it last persisted. It is generic
// over the protocol: a Store[D] holds a state of the protocol's type D
// (for single-decree Paxos, paxos.Durable: an acceptor's MaxBal, MaxVBal
// and MaxVal, a proposer's Round), and a FileStore writes it with the
// protocol's own encoding (a Codec). It imports no protocol.
//
// Paxos is safe under crash-restart only if an acceptor remembers every
// promise and every vote it announced ("Paxos Made Simple", section 2.3:
// "an acceptor must remember this information even if it fails and then
// restarts"). The runner of a node therefore calls [Store.Save]
// with Effects.Persist, and waits for it to return, before it sends the
// step's messages. A Save that returned is durable; a Save that did not
// return may or may not be, and either outcome is safe because nothing that
// depends on it was sent.
//
// # Stores
//
// [MemStore] keeps the state in memory; it survives a simulated crash of a
// node (the runner keeps the store) but not of the process. [FileStore]
// keeps it in one file, rewritten whole at every Save. [LogStore] keeps it
// in one append-only file, to which a Save appends only what changed (a
// Multi-Paxos acceptor's new votes, not its whole log): a real node's
// store (daemon).
//
// # Crash safety of FileStore
//
// A Save writes the whole new state to a temporary file next to the
// target, fsyncs it, renames it over the target, then fsyncs the directory.
// rename(2) replaces the directory entry atomically, so after a crash at
// any point the target names either the previous complete file or the new
// complete file, never a mix. The fsync of the temporary file orders its
// data before the rename; the fsync of the directory makes the rename
// itself durable before Save returns. A leftover temporary file from an
// interrupted Save is never read and is overwritten by the next Save.
//
// Because the target is only ever replaced whole, a target file that is
// shorter than its recorded length, longer, or whose bytes do not match
// its checksum did not come from a Save: it is a torn write underneath the
// file system, a disk error, or tampering. Load reports it as an error
// wrapping [ErrCorrupt]; it never guesses, and never falls back to the zero
// state (which would silently forget a promise, the promise-not-persisted
// bug by other means).
//
// A missing target file is different: it is the state of a node that has
// never persisted anything, so Load returns the zero [paxos.Durable] and no
// error. An operator who deletes the file of a live acceptor breaks Paxos;
// no store can detect that.
//
// # File format (version 2)
//
//	offset  size  field
//	0       4     magic "PXDS"
//	4       1     format version (2)
//	5       4     payload length n, little-endian
//	9       n     payload
//	9+n     4     CRC-32C (Castagnoli) of bytes [0, 9+n), little-endian
//
// The payload is paxos.Durable.AppendBinary's encoding (impl/paxos/encode.go,
// the one place the layout is written down): MaxBal, MaxVBal (each a varint
// round and a proposer byte), MaxVal (a varint length and its bytes) and a
// varint Round. Decode accepts only the canonical encoding, so every state
// has exactly one image. Version 1 (fixed-width fields) was never deployed
// and is refused with ErrVersion.
//
// CRC-32C detects every error burst of up to 32 bits, so every single
// flipped byte is caught; the recorded length catches truncation and
// extension before the checksum is even computed.
//
// # Log format (LogStore, version 1)
//
//	offset  size  field
//	0       4     magic "PXLG"
//	4       1     log format version (1)
//	5       ...   records
//
// and each record is
//
//	0       4     payload length n, little-endian
//	4       1     kind: 0 the whole state, 1 a change
//	5       n     payload: the protocol's encoding (Codec) of a state, or
//	              of a change, which is a state too (LogCodec.Diff)
//	5+n     4     CRC-32C of bytes [0, 5+n) of the record
//
// The first record, and only the first, is a whole state; each change
// after it is applied (LogCodec.Patch) to the state before. A Save appends
// one change and fsyncs the file; when the changes outgrow four times the
// whole state (and 1 MiB), the store writes a new file of one whole
// record instead, by temporary file, fsync, rename and fsync of the
// directory, as FileStore writes, so a log is never torn in its header or
// first record. A last record cut short, or whose checksum fails, is an
// append whose Save never returned, on which nothing was sent: Load leaves
// it out and the next Save cuts it off. A record whose checksum fails with
// records after it is corrupt (ErrCorrupt). A damaged length that points
// past the end of the file cannot be told from a torn last record; a
// node's trace can (daemon: a store that lost a write it had made durable
// is refused).
package storage
