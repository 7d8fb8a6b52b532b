package explore

// SetChunkSize makes the frontier's chunks n bytes (small chunks spill
// small searches) and returns the function that puts it back.
func SetChunkSize(n int) (restore func()) {
	old := chunkSize
	chunkSize = n
	return func() { chunkSize = old }
}
