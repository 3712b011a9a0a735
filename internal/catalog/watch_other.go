//go:build !linux

package catalog

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/fsnotify/fsnotify"
)

// notify watches with fsnotify where inotify is not available. It cannot
// tell when a writer closes a file, so files written in place count as
// complete only once their size has settled (Config.StableFor).
type notify struct {
	root string
	w    *fsnotify.Watcher
	ch   chan event
}

func newWatcher(root string, log *slog.Logger) (watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("fsnotify: %w", err)
	}
	n := &notify{root: root, w: fw, ch: make(chan event, 4096)}
	go n.read(log)
	return n, nil
}

func (n *notify) add(dir string) error {
	if err := n.w.Add(filepath.Join(n.root, dir)); err != nil {
		return fmt.Errorf("watch %q: %w", dir, err)
	}
	return nil
}

func (n *notify) remove(dir string) { n.w.Remove(filepath.Join(n.root, dir)) }

func (n *notify) events() <-chan event { return n.ch }

func (n *notify) close() error { return n.w.Close() }

func (n *notify) read(log *slog.Logger) {
	defer close(n.ch)
	for {
		select {
		case fe, ok := <-n.w.Events:
			if !ok {
				return
			}
			rel, err := filepath.Rel(n.root, fe.Name)
			if err != nil || strings.HasPrefix(rel, "..") {
				continue
			}
			e := event{name: filepath.Base(rel)}
			if d := filepath.Dir(rel); d != "." {
				e.dir = d
			}
			switch {
			case fe.Has(fsnotify.Remove) || fe.Has(fsnotify.Rename):
				e.op = opGone
			case fe.Has(fsnotify.Create):
				e.op = opCreate
			case fe.Has(fsnotify.Write):
				e.op = opWrite
			case fe.Has(fsnotify.Chmod):
				e.op = opAttrib
			default:
				continue
			}
			n.ch <- e
		case err, ok := <-n.w.Errors:
			if !ok {
				return
			}
			log.Warn("fsnotify", "err", err)
			n.ch <- event{op: opOverflow}
		}
	}
}
