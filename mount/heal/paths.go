package heal

import (
	"context"
	"path"

	"github.com/mortarfs/mortar/mount/fop"
)

// maxPathWalk bounds the directories one path search lists on a brick.
const maxPathWalk = 100000

// fillPaths sets the Path of the entries of want whose gfid it finds in
// the tree. Bricks keep no name of a gfid that a client can ask for (a
// directory's handle names its parent, but only inside the brick), so the
// tree is walked from the root, breadth first, on the connected bricks one
// after the other until every gfid is found, listing at most maxPathWalk
// directories per brick. What is not found keeps its <gfid:...> name.
func (e *Engine) fillPaths(ctx context.Context, want map[fop.Gfid]*InfoEntry) {
	missing := map[fop.Gfid]bool{}
	for g, st := range want {
		if st == nil {
			continue
		}
		if g == fop.RootGfid {
			st.Path = "/"
			continue
		}
		missing[g] = true
	}
	for i, b := range e.bricks() {
		if len(missing) == 0 || ctx.Err() != nil {
			return
		}
		if !b.Connected() {
			continue
		}
		e.walkPaths(ctx, i, func(g fop.Gfid, p string) {
			if missing[g] {
				want[g].Path = p
				delete(missing, g)
			}
		}, func() bool { return len(missing) == 0 })
	}
}

// walkPaths calls found for every entry of brick i's tree with its path,
// breadth first, until done says so or maxPathWalk directories are listed.
func (e *Engine) walkPaths(ctx context.Context, i int, found func(fop.Gfid, string), done func() bool) {
	type dir struct {
		g fop.Gfid
		p string
	}
	queue := []dir{{fop.RootGfid, "/"}}
	seen := map[fop.Gfid]bool{fop.RootGfid: true}
	for n := 0; len(queue) > 0 && n < maxPathWalk && !done() && ctx.Err() == nil; n++ {
		d := queue[0]
		queue = queue[1:]
		ents, err := listDir(ctx, e.bricks()[i], d.g)
		if err != nil {
			continue
		}
		for _, name := range sortedKeys(ents) {
			ent := ents[name]
			p := path.Join(d.p, name)
			found(ent.Gfid, p)
			if ent.Mode&sIFMT == sIFDIR && !ent.Gfid.IsZero() && !seen[ent.Gfid] {
				seen[ent.Gfid] = true
				queue = append(queue, dir{ent.Gfid, p})
			}
		}
	}
}
