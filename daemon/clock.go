package daemon

import (
	"time"

	"golang.org/x/sys/unix"
)

// Monotonic returns CLOCK_MONOTONIC in nanoseconds: one clock for every
// process on the machine, never set back, so the parts of a cluster on
// one machine have comparable times (time.Now's monotonic reading is
// relative to its own process).
func Monotonic() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return time.Now().UnixNano() // no system without CLOCK_MONOTONIC runs this; merge clamps times that go back
	}
	return ts.Nano()
}
