package storage

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Codec is how a protocol's durable state D becomes the payload of a file
// image: Append writes d's encoding after buf, Decode reads back exactly
// what Append wrote (all of payload) or fails. Append must be canonical:
// equal states, and only equal states, encode equally. For single-decree
// Paxos: paxos.Durable.AppendBinary and paxos.DecodeDurable.
type Codec[D any] struct {
	Append func(d D, buf []byte) []byte
	Decode func(payload []byte) (D, error)
}

// Format constants of the file layout described in the package comment.
const (
	// Magic opens every stored state.
	Magic = "PXDS"
	// Version is the format version this code writes and reads. Version 1
	// (fixed-width fields) was never deployed; its images are refused as
	// of another version.
	Version = 2

	headerLen = len(Magic) + 1 + 4
	crcLen    = 4

	// MaxStateLen bounds the encoded state (the payload), so that a
	// corrupt length can never ask for a huge allocation and every saved
	// state can be loaded.
	MaxStateLen = 1 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Encode returns the canonical file image of d: equal states, and only
// equal states, have equal images. Its payload is the protocol's own
// encoding of d (c.Append). It fails only when that is longer than
// MaxStateLen.
func Encode[D any](c Codec[D], d D) ([]byte, error) {
	buf := make([]byte, headerLen, headerLen+64+crcLen)
	copy(buf, Magic)
	buf[len(Magic)] = Version
	buf = c.Append(d, buf)
	if n := len(buf) - headerLen; n > MaxStateLen {
		return nil, fmt.Errorf("storage: the state is %d bytes encoded, at most %d supported", n, MaxStateLen)
	}
	binary.LittleEndian.PutUint32(buf[len(Magic)+1:], uint32(len(buf)-headerLen))
	return binary.LittleEndian.AppendUint32(buf, crc32.Checksum(buf, castagnoli)), nil
}

// Decode is the inverse of Encode. Any image that Encode did not produce
// is an error wrapping ErrCorrupt (or ErrVersion for an intact image of an
// unknown version); the checks run from the cheapest to the most specific,
// so the error names the first thing wrong.
func Decode[D any](c Codec[D], b []byte) (D, error) {
	var zero D
	if len(b) < headerLen+crcLen {
		return zero, fmt.Errorf("%w: %d bytes, shorter than header and checksum (%d)", ErrCorrupt, len(b), headerLen+crcLen)
	}
	if string(b[:len(Magic)]) != Magic {
		return zero, fmt.Errorf("%w: bad magic %q", ErrCorrupt, b[:len(Magic)])
	}
	n := binary.LittleEndian.Uint32(b[len(Magic)+1:])
	if want := uint64(headerLen) + uint64(n) + crcLen; uint64(len(b)) != want {
		return zero, fmt.Errorf("%w: %d bytes, header says %d (torn or extended write)", ErrCorrupt, len(b), want)
	}
	body, sum := b[:len(b)-crcLen], binary.LittleEndian.Uint32(b[len(b)-crcLen:])
	if got := crc32.Checksum(body, castagnoli); got != sum {
		return zero, fmt.Errorf("%w: checksum %#08x, stored %#08x", ErrCorrupt, got, sum)
	}
	if v := b[len(Magic)]; v != Version {
		return zero, fmt.Errorf("%w: version %d, this program reads %d", ErrVersion, v, Version)
	}
	p := body[headerLen:]
	if len(p) > MaxStateLen {
		return zero, fmt.Errorf("%w: payload of %d bytes, more than the %d a saved state has", ErrCorrupt, len(p), MaxStateLen)
	}
	d, err := c.Decode(p)
	switch {
	case err != nil:
		return zero, fmt.Errorf("%w: payload of %d bytes: %w", ErrCorrupt, len(p), err)
	case string(c.Append(d, nil)) != string(p):
		// Overlong varints, say: the same state, but not Encode's image.
		return zero, fmt.Errorf("%w: payload is not the canonical encoding of its state", ErrCorrupt)
	}
	return d, nil
}
