package ctl

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/cctvd/cctvd/internal/access"
)

// DefaultUsersFile is where the package's config points --users-file.
const DefaultUsersFile = "/etc/cctvd/users"

type userFlags struct {
	role          string
	file          string
	passwordStdin bool
}

func userCmd() *command {
	var f userFlags
	return &command{
		name:    "user",
		args:    "add|passwd|del NAME [--role viewer|operator] [--users-file F] [--password-stdin]",
		summary: "Add a user who may watch, change a password, or delete a user (edits the users file)",
		doc: "Edits cctvd's users file (--users-file, default " + DefaultUsersFile + ") in place, safely:\n" +
			"under a lock, through a synced temporary file renamed over it, mode 0640. cctvd\n" +
			"reads the change at once; a new password or a deleted user ends that user's\n" +
			"sessions. The password is read from the terminal without echo, twice, or with\n" +
			"--password-stdin as the first line of standard input; never from the command line.\n" +
			"Roles: viewer (watch, export), operator (also changes state; /metrics).\n" +
			"Needs no running cctvd.",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&f.role, "role", "", "the user's role: viewer or operator (add: default viewer; passwd: kept unless given)")
			fs.StringVar(&f.file, "users-file", DefaultUsersFile, "the users file")
			fs.BoolVar(&f.passwordStdin, "password-stdin", false, "read the password from standard input's first line")
		},
		run: func(ctx context.Context, r *runner, args []string) error { return runUser(r, args, &f) },
	}
}

func runUser(r *runner, args []string, f *userFlags) error {
	if len(args) != 2 {
		return usageErr(fmt.Errorf("user: want add|passwd|del NAME (usage: cctvctl %s)", r.cmd.usageLine()))
	}
	verb, name := args[0], args[1]
	if err := access.CheckName(name); err != nil {
		return usageErr(err)
	}
	roleGiven := f.role != ""
	role, err := access.ParseRole(cmp.Or(f.role, "viewer"))
	if err != nil {
		return usageErr(err)
	}
	var hash string
	switch verb {
	case "add", "passwd":
		pw, err := r.password(f.passwordStdin)
		if err != nil {
			return err
		}
		if hash, err = access.HashPassword(pw); err != nil {
			return usageErr(err)
		}
	case "del":
	default:
		return usageErr(fmt.Errorf("user: unknown action %q: want add, passwd or del", verb))
	}
	err = access.EditUsersFile(f.file, func(users []access.User) ([]access.User, error) {
		i := slices.IndexFunc(users, func(u access.User) bool { return u.Name == name })
		switch {
		case verb == "add" && i >= 0:
			return nil, fmt.Errorf("user %s is there already: cctvctl user passwd %s changes the password", name, name)
		case verb == "add":
			return append(users, access.User{Name: name, Role: role, Hash: hash}), nil
		case i < 0:
			return nil, fmt.Errorf("no user %s in %s", name, f.file)
		case verb == "passwd":
			users[i].Hash = hash
			if roleGiven {
				users[i].Role = role
			}
			return users, nil
		}
		return slices.Delete(users, i, i+1), nil
	})
	if err != nil {
		return answerErr(err)
	}
	p := r.printer()
	switch verb {
	case "add":
		p.linef("added %s (%s) to %s", name, role, f.file)
	case "passwd":
		p.linef("changed %s's password in %s; their sessions have ended", name, f.file)
	default:
		p.linef("deleted %s from %s; their sessions have ended", name, f.file)
	}
	return nil
}

// password reads a new password: from stdin's first line with
// --password-stdin, else from the terminal without echo, twice.
func (r *runner) password(fromStdin bool) (string, error) {
	if fromStdin {
		if r.Stdin == nil {
			return "", usageErr(errors.New("user: no standard input"))
		}
		line, err := bufio.NewReader(r.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", usageErr(fmt.Errorf("user: reading the password from standard input: %w", err))
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	if r.ReadPassword == nil {
		return "", usageErr(errors.New("user: standard input is not a terminal: pass --password-stdin and the password on standard input"))
	}
	fmt.Fprint(r.Stderr, "Password: ")
	a, err := r.ReadPassword()
	fmt.Fprintln(r.Stderr)
	if err != nil {
		return "", fmt.Errorf("user: reading the password: %w", err)
	}
	fmt.Fprint(r.Stderr, "Again: ")
	b, err := r.ReadPassword()
	fmt.Fprintln(r.Stderr)
	if err != nil {
		return "", fmt.Errorf("user: reading the password: %w", err)
	}
	if string(a) != string(b) {
		return "", usageErr(errors.New("user: the passwords differ"))
	}
	return string(a), nil
}
