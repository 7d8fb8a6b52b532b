package nemesis

import (
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"time"
)

// Faults are the faults a Proxy injects into the frames it forwards. The
// zero value injects none.
type Faults struct {
	// Loss is the probability that a frame is dropped.
	Loss float64
	// Dup is the probability that a kept frame is sent twice.
	Dup float64
	// Corrupt is the probability that one byte of a copy of a frame, after
	// the length field, is flipped.
	Corrupt float64
	// MaxDelay bounds the delay of each copy of a kept frame: a uniform
	// random delay in [0, MaxDelay]. Independent delays reorder frames.
	MaxDelay time.Duration
}

// ErrBadFaults is the error of Faults.Validate and Proxy.Set for a
// probability outside [0, 1] (or NaN) or a negative delay.
var ErrBadFaults = errors.New("nemesis: invalid faults")

// Validate reports whether f is a valid setting: every probability in
// [0, 1] and MaxDelay >= 0. The error wraps ErrBadFaults.
func (f Faults) Validate() error {
	for _, p := range []struct {
		name string
		v    float64
	}{{"Loss", f.Loss}, {"Dup", f.Dup}, {"Corrupt", f.Corrupt}} {
		if !(p.v >= 0 && p.v <= 1) { // also rejects NaN
			return fmt.Errorf("%w: %s %v not in [0, 1]", ErrBadFaults, p.name, p.v)
		}
	}
	if f.MaxDelay < 0 {
		return fmt.Errorf("%w: MaxDelay %v is negative", ErrBadFaults, f.MaxDelay)
	}
	return nil
}

// lengthLen is the size of a frame's length field (impl/transport's frame
// layout), which corruption leaves alone.
const lengthLen = 4

// maxCopies is the number of copies of a frame the proxy may send.
const maxCopies = 2

// Draws of one frame's fate: whether it is lost, whether it is duplicated,
// then per copy its delay, whether it is corrupted, where and how. Always
// drawsPerFrame values, so that the n-th frame's fate does not depend on
// which faults were on for earlier frames.
const (
	drawLoss = iota
	drawDup
	drawCopies // first of maxCopies groups of drawsPerCopy
)

// Draws of one copy, relative to the start of its group.
const (
	drawDelay = iota
	drawCorrupt
	drawAt
	drawMask
	drawsPerCopy
)

const drawsPerFrame = drawCopies + maxCopies*drawsPerCopy

// fate is what happens to one frame read from the source.
type fate struct {
	drop   bool
	copies int // 1, or 2 when duplicated; meaningless when drop
	copy   [maxCopies]copyFate
}

// copyFate is what happens to one copy of a kept frame.
type copyFate struct {
	delay   time.Duration
	corrupt bool
	at      int  // offset in the encoded frame of the flipped byte, >= lengthLen
	mask    byte // non-zero, XORed into the byte at at
}

// decide draws the fate of one encoded frame of frameLen bytes under f. It
// takes exactly drawsPerFrame values from src, whatever f and frameLen.
func decide(src rand.Source, f Faults, frameLen int) fate {
	var d [drawsPerFrame]uint64
	for i := range d {
		d[i] = src.Uint64()
	}
	ft := fate{drop: chance(d[drawLoss], f.Loss), copies: 1}
	if chance(d[drawDup], f.Dup) {
		ft.copies = 2
	}
	for i := range ft.copy {
		r := d[drawCopies+i*drawsPerCopy:]
		c := &ft.copy[i]
		if f.MaxDelay > 0 {
			c.delay = time.Duration(below(r[drawDelay], uint64(f.MaxDelay)+1))
		}
		if frameLen > lengthLen && chance(r[drawCorrupt], f.Corrupt) {
			c.corrupt = true
			c.at = lengthLen + int(below(r[drawAt], uint64(frameLen-lengthLen)))
			c.mask = byte(1 + below(r[drawMask], 255))
		}
	}
	return ft
}

// chance turns a uniform 64-bit draw into an event of probability p:
// never when p is 0, always when p is 1.
func chance(u uint64, p float64) bool {
	return float64(u>>11)*0x1p-53 < p
}

// below maps a uniform 64-bit draw to [0, n), n >= 1, without further
// draws (the high word of u*n; its bias is below n/2^64).
func below(u, n uint64) uint64 {
	hi, _ := bits.Mul64(u, n)
	return hi
}

// connRand returns the generator of the k-th connection of a proxy seeded
// with seed. The connection index is mixed (splitmix64's finalizer) rather
// than used as it is, so that neighbouring connections get unrelated
// streams.
func connRand(seed, k uint64) *rand.PCG {
	z := k + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return rand.NewPCG(seed, z^z>>31)
}
