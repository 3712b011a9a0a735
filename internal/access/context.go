package access

import (
	"context"
	"net/http"
)

type userKey struct{}

// withUser is r carrying the user the gate let in, for the site's
// operator-only page actions.
func withUser(r *http.Request, u User) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), userKey{}, u))
}

// OperatorOf is the name of the operator the gate let r in as; false when
// r has no user (no gate: anonymous or loopback without a users file) or
// its user is a viewer. The site asks it before showing or taking a page
// action (hold, release, convert, cancel).
func OperatorOf(r *http.Request) (string, bool) {
	u, ok := r.Context().Value(userKey{}).(User)
	if !ok || u.Role < Operator {
		return "", false
	}
	return u.Name, true
}
