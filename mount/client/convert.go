package client

import (
	"fmt"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// Conversions between the wire's messages and fop's types.

// toAttr converts a reply's attributes; a reply without a valid gfid is a
// protocol error (EIO).
func toAttr(a *brickpb.Attr) (fop.Attr, error) {
	if _, err := fop.GfidFromBytes(a.GetGfid()); err != nil {
		return fop.Attr{}, fmt.Errorf("brick reply without attributes: %v: %w", err, syscall.EIO)
	}
	return attrOf(a), nil
}

// attrOf converts attributes, leaving the gfid zero when it is not valid.
func attrOf(a *brickpb.Attr) fop.Attr {
	g, _ := fop.GfidFromBytes(a.GetGfid())
	return fop.Attr{
		Gfid:    g,
		Mode:    a.GetMode(),
		Nlink:   a.GetNlink(),
		Uid:     a.GetUid(),
		Gid:     a.GetGid(),
		Rdev:    a.GetRdev(),
		Size:    a.GetSize(),
		Blocks:  a.GetBlocks(),
		Blksize: a.GetBlksize(),
		Atime:   toTime(a.GetAtime()),
		Mtime:   toTime(a.GetMtime()),
		Ctime:   toTime(a.GetCtime()),
	}
}

func toEntry(a *brickpb.Attr, linkto string, pending []*brickpb.Pending) (fop.Entry, error) {
	attr, err := toAttr(a)
	if err != nil {
		return fop.Entry{}, err
	}
	return fop.Entry{Attr: attr, Linkto: linkto, Pending: toPending(pending)}, nil
}

func toTime(t *brickpb.Timespec) fop.Timespec {
	return fop.Timespec{Sec: t.GetSec(), Nsec: t.GetNsec()}
}

func fromTime(t fop.Timespec) *brickpb.Timespec {
	return &brickpb.Timespec{Sec: t.Sec, Nsec: t.Nsec}
}

func toPending(ps []*brickpb.Pending) []fop.Pending {
	if len(ps) == 0 {
		return nil
	}
	out := make([]fop.Pending, len(ps))
	for i, p := range ps {
		out[i] = fop.Pending{BrickID: p.GetBrickId(), Data: p.GetData(), Metadata: p.GetMetadata(), Entry: p.GetEntry()}
	}
	return out
}

func fromDeltas(ds []fop.PendingDelta) []*brickpb.PendingDelta {
	out := make([]*brickpb.PendingDelta, len(ds))
	for i, d := range ds {
		out[i] = &brickpb.PendingDelta{BrickId: d.BrickID, Data: d.Data, Metadata: d.Metadata, Entry: d.Entry}
	}
	return out
}

func fromCaller(c fop.Caller) *brickpb.Caller {
	return &brickpb.Caller{Uid: c.Uid, Gid: c.Gid, Pid: c.Pid}
}

func fromLock(lk fop.Lock) *brickpb.Lock {
	return &brickpb.Lock{
		Type:  brickpb.LockType(lk.Type),
		Start: lk.Start,
		End:   lk.End,
		Pid:   lk.Pid,
		Owner: lk.Owner,
	}
}

func toLock(lk *brickpb.Lock, flock bool) fop.Lock {
	return fop.Lock{
		Type:  int(lk.GetType()),
		Start: lk.GetStart(),
		End:   lk.GetEnd(),
		Pid:   lk.GetPid(),
		Owner: lk.GetOwner(),
		Flock: flock,
	}
}

func toStatfs(r *brickpb.StatfsReply) fop.Statfs {
	return fop.Statfs{
		Blocks:  r.GetBlocks(),
		Bfree:   r.GetBfree(),
		Bavail:  r.GetBavail(),
		Files:   r.GetFiles(),
		Ffree:   r.GetFfree(),
		Bsize:   r.GetBsize(),
		Frsize:  r.GetFrsize(),
		Namelen: r.GetNamelen(),
	}
}

// toDirents converts a readdir page. An entry the brick has not given a
// gfid yet (placed on the brick by an administrator) keeps a zero Gfid; a
// Lookup of its name assigns one.
func toDirents(es []*brickpb.Dirent) []fop.Dirent {
	out := make([]fop.Dirent, len(es))
	for i, e := range es {
		out[i] = fop.Dirent{
			Name:   string(e.GetName()),
			Cookie: e.GetCookie(),
			Entry:  fop.Entry{Attr: attrOf(e.GetAttr()), Linkto: e.GetLinkto()},
		}
	}
	return out
}

// fromNames converts the wire's names (bytes: not necessarily UTF-8) to
// Go strings, which hold any bytes.
func fromNames(ns [][]byte) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = string(n)
	}
	return out
}
