package partnership

import (
	"net/url"
	"strings"
)

// PostURLKey reduces a post's URL to what names the post, so the same URL typed again with
// another scheme, host case, "www.", trailing slash or fragment is recognised. The query
// stays: on some platforms it names the post (YouTube's watch?v=). The workflow keys its
// partnership's own posts by it (UsedPosts.URLKeys, the submission validator), and the
// verification activity claims a post by it when the provider gives the post no id.
func PostURLKey(raw string) string {
	// url.Parse is a pure function of its input; workflowcheck only sees the runtime cleanup
	// goroutine behind the IPv6 zone interning (unique.Make) deep inside it.
	u, err := url.Parse(strings.TrimSpace(raw)) //workflowcheck:ignore
	if err != nil || u.Host == "" {
		return strings.TrimSpace(raw)
	}
	host := strings.TrimPrefix(strings.ToLower(u.Host), "www.")
	return host + strings.TrimSuffix(u.EscapedPath(), "/") + "?" + u.RawQuery
}
