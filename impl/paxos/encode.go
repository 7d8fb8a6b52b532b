package paxos

import "encoding/binary"

// AppendBinary appends a canonical encoding of b.
func (b Ballot) AppendBinary(buf []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(b.Round))
	return append(buf, b.Proposer)
}

func appendValue(buf []byte, v Value) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(v)))
	return append(buf, v...)
}

// AppendBinary appends a canonical encoding of m: equal messages, and only
// equal messages, encode to equal bytes.
func (m Message) AppendBinary(buf []byte) []byte {
	buf = append(buf, byte(m.Type), byte(m.From), byte(m.To))
	buf = m.Bal.AppendBinary(buf)
	buf = m.VBal.AppendBinary(buf)
	return appendValue(buf, m.Val)
}

// AppendBinary appends a canonical encoding of d.
func (d Durable) AppendBinary(buf []byte) []byte {
	buf = d.MaxBal.AppendBinary(buf)
	buf = d.MaxVBal.AppendBinary(buf)
	buf = appendValue(buf, d.MaxVal)
	return binary.AppendUvarint(buf, uint64(d.Round))
}

// AppendBinary appends a canonical encoding of n, the byte string behind
// fingerprints: two nodes encode equally exactly when they are equal. Only
// the fields of n's role are written (the others are always zero). numAcc
// is the number of acceptors of the configuration.
func (n *Node) AppendBinary(buf []byte, numAcc int) []byte {
	crashed := byte(0)
	if n.Crashed {
		crashed = 1
	}
	buf = append(buf, byte(n.ID), byte(n.Role), crashed)
	switch n.Role {
	case RoleAcceptor:
		buf = n.Mem.AppendBinary(buf)
	case RoleProposer:
		buf = binary.AppendUvarint(buf, uint64(n.Mem.Round))
		buf = append(buf, byte(n.Phase))
		buf = appendValue(buf, n.Value)
		buf = binary.AppendUvarint(buf, n.Clients)
		buf = binary.AppendUvarint(buf, n.Promised)
		buf = n.HighVBal.AppendBinary(buf)
		buf = appendValue(buf, n.HighVal)
		buf = n.LowVBal.AppendBinary(buf)
		buf = appendValue(buf, n.LowVal)
		buf = n.Seen.AppendBinary(buf)
		buf = appendValue(buf, n.Decided)
		buf = appendValue(buf, n.Proposal)
	case RoleLearner:
		for i := 0; i < numAcc && i < MaxAcceptors; i++ {
			v := n.Votes[i]
			buf = v.Bal.AppendBinary(buf)
			buf = appendValue(buf, v.Val)
			buf = append(buf, v.N)
		}
		buf = appendValue(buf, n.Learned)
	}
	return buf
}
