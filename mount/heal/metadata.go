package heal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// fixMetadata copies the source's owner, extended attributes, mode and
// times to every sink.
func (e *Engine) fixMetadata(ctx context.Context, v *view, p plan) ([]bool, outcome, error) {
	failed := make([]bool, len(e.bricks()))
	src, err := e.readXattrs(ctx, p.source, v.gfid)
	if err != nil {
		for _, k := range p.sinks {
			failed[k] = true
		}
		return failed, outcome{}, e.brickErr(p.source, fmt.Sprintf("xattrs of %s", v.gfid), err)
	}
	var mu sync.Mutex
	var errs []error
	each(p.sinks, func(k int) {
		if err := e.copyMetadata(ctx, v, p.source, k, src); err != nil {
			mu.Lock()
			defer mu.Unlock()
			failed[k] = true
			errs = append(errs, e.brickErr(k, fmt.Sprintf("metadata heal of %s", v.gfid), err))
		}
	})
	return failed, outcome{}, errors.Join(errs...)
}

// copyMetadata makes the metadata of g on brick k that of brick s: owner
// first (a chown drops file capabilities and set-id bits), then the
// extended attributes (an ACL sets mode bits), then mode and times.
func (e *Engine) copyMetadata(ctx context.Context, v *view, s, k int, src map[string][]byte) error {
	sink := e.bricks()[k]
	sa, ka := v.attr[s], v.attr[k]
	if sa.Uid != ka.Uid || sa.Gid != ka.Gid {
		in := fop.SetattrIn{Valid: fop.SetUid | fop.SetGid, Uid: sa.Uid, Gid: sa.Gid}
		if _, err := sink.Setattr(ctx, v.gfid, in); err != nil {
			return fmt.Errorf("chown: %w", err)
		}
	}
	if err := e.syncXattrs(ctx, k, v.gfid, src); err != nil {
		return err
	}
	in := fop.SetattrIn{Valid: fop.SetAtime | fop.SetMtime, Atime: sa.Atime, Mtime: sa.Mtime}
	if sa.Mode&sIFMT != sIFLNK {
		in.Valid |= fop.SetMode
		in.Mode = sa.Mode & 0o7777
	}
	if _, err := sink.Setattr(ctx, v.gfid, in); err != nil {
		return fmt.Errorf("mode and times: %w", err)
	}
	return nil
}

// syncXattrs sets on brick k the healed extended attributes of src that
// are missing or different, and removes the ones src does not have.
func (e *Engine) syncXattrs(ctx context.Context, k int, g fop.Gfid, src map[string][]byte) error {
	have, err := e.readXattrs(ctx, k, g)
	if err != nil {
		return err
	}
	b := e.bricks()[k]
	for _, name := range sortedKeys(src) {
		if cur, ok := have[name]; ok && bytes.Equal(cur, src[name]) {
			continue
		}
		if err := b.Setxattr(ctx, g, name, src[name], 0); err != nil {
			return fmt.Errorf("setxattr %s: %w", name, err)
		}
	}
	for _, name := range sortedKeys(have) {
		if _, ok := src[name]; ok {
			continue
		}
		if err := b.Removexattr(ctx, g, name); err != nil && !isErrno(err, syscall.ENODATA) {
			return fmt.Errorf("removexattr %s: %w", name, err)
		}
	}
	return nil
}

// readXattrs returns the healed extended attributes of g on brick i.
func (e *Engine) readXattrs(ctx context.Context, i int, g fop.Gfid) (map[string][]byte, error) {
	b := e.bricks()[i]
	names, err := b.Listxattr(ctx, g)
	if err != nil {
		return nil, fmt.Errorf("listxattr: %w", err)
	}
	out := make(map[string][]byte)
	for _, name := range names {
		if !healedXattr(name) {
			continue
		}
		val, err := b.Getxattr(ctx, g, name)
		if isErrno(err, syscall.ENODATA) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("getxattr %s: %w", name, err)
		}
		out[name] = val
	}
	return out, nil
}

// healedXattr reports whether metadata heal copies the extended attribute:
// user., security., trusted. (never the brick's own trusted.mortar.) and
// the POSIX ACLs.
func healedXattr(name string) bool {
	switch {
	case strings.HasPrefix(name, "trusted.mortar."):
		return false
	case strings.HasPrefix(name, "user."), strings.HasPrefix(name, "security."), strings.HasPrefix(name, "trusted."):
		return true
	}
	return name == "system.posix_acl_access" || name == "system.posix_acl_default"
}
