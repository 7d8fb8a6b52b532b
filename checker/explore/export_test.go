package explore

// SetChunkSize makes the frontier's chunks n bytes (small chunks spill
// small searches) and returns the function that puts it back.
func SetChunkSize(n int) (restore func()) {
	old := chunkSize
	chunkSize = n
	return func() { chunkSize = old }
}

// SetHeldMemory makes the search see held as the memory the process holds
// (nil: the real reading) and returns the function that puts it back.
func SetHeldMemory(held func() int64) (restore func()) {
	old := heldNow
	if held != nil {
		heldNow = held
	}
	return func() { heldNow = old }
}
