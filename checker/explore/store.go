package explore

// parentStore records, for every stored state by discovery number, the
// number of the state it was first reached from and the index of the action
// (in that parent's world.State.Actions list) that reached it: 5 bytes a
// state, in fixed pages so that growing never copies or doubles.
type parentStore struct {
	pages []*parentPage
	n     int
}

const pageBits = 12

type parentPage struct {
	parent [1 << pageBits]uint32
	act    [1 << pageBits]uint8
}

func (p *parentStore) add(parent uint32, act uint8) {
	if p.n>>pageBits == len(p.pages) {
		p.pages = append(p.pages, new(parentPage))
	}
	pg := p.pages[p.n>>pageBits]
	pg.parent[p.n&(1<<pageBits-1)] = parent
	pg.act[p.n&(1<<pageBits-1)] = act
	p.n++
}

func (p *parentStore) get(i uint32) (parent uint32, act uint8) {
	pg := p.pages[i>>pageBits]
	return pg.parent[i&(1<<pageBits-1)], pg.act[i&(1<<pageBits-1)]
}

// bytes is the memory held, whole pages included.
func (p *parentStore) bytes() int {
	return len(p.pages) * (5 << pageBits)
}
