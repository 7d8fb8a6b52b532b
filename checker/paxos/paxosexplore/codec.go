package paxosexplore

import (
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// codec writes the encoding of a world.State that the frontier stores
// (world.State.AppendBinary, laid out as impl/paxos's encoding says), and
// reads it back; it also holds the search's maps from node ids to
// indices.
type codec struct {
	setup    *world.Setup
	numAcc   int
	numProp  int
	numNodes int
	// accIdx maps a node id to its acceptor index, or -1; nodeIdx to its
	// index in world.State.Nodes, or -1.
	accIdx, nodeIdx [256]int8
	// dec reads the frontier's encodings back.
	dec *world.Decoder
	// values are the clients' values (valueNumber).
	values []paxos.Value
}

func newCodec(s *world.Setup) (*codec, error) {
	c := &codec{setup: s, numAcc: len(s.Config.Acceptors), numProp: len(s.Config.Proposers)}
	for i := range c.accIdx {
		c.accIdx[i], c.nodeIdx[i] = -1, -1
	}
	for i, id := range s.Config.Acceptors {
		c.accIdx[id] = int8(i)
	}
	init, err := world.Init(s)
	if err != nil {
		return nil, err
	}
	for i, n := range init.Nodes {
		c.nodeIdx[n.ID] = int8(i)
	}
	c.numNodes = len(init.Nodes)
	for _, cl := range s.Clients {
		c.values = append(c.values, cl.Value)
	}
	if c.dec, err = world.NewDecoder(s); err != nil {
		return nil, err
	}
	return c, nil
}

func boolByte(x bool) byte {
	if x {
		return 1
	}
	return 0
}
