package providers

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// profileMediaLimit is how many recent posts vetting looks at, the Graph API's default page.
const profileMediaLimit = 25

// SocialClient reads accounts and posts from an Instagram Graph-like API.
type SocialClient struct {
	http *httpClient
}

var _ Social = (*SocialClient)(nil)

// NewSocialClient returns a Social backed by the HTTP API at cfg.BaseURL.
func NewSocialClient(cfg ClientConfig) *SocialClient {
	return &SocialClient{http: newHTTPClient("social", cfg)}
}

type socialAccount struct {
	Platform       string `json:"platform"`
	Username       string `json:"username"`
	FollowersCount int64  `json:"followers_count"`
	FollowsCount   int64  `json:"follows_count"`
	MediaCount     int64  `json:"media_count"`
	// FollowerHistory is present when the account shares audience insights.
	FollowerHistory []FollowerCount `json:"follower_history"`
}

// Profile fetches the account and then its recent media, newest first.
func (c *SocialClient) Profile(ctx context.Context, platform, handle string) (Profile, error) {
	if platform == "" || handle == "" {
		return Profile{}, invalidRequest(c.http.provider, "get account", "platform and handle are required")
	}
	path := "/v1/accounts/" + url.PathEscape(platform) + "/" + url.PathEscape(handle)
	var acct socialAccount
	if err := c.http.do(ctx, call{op: "get account", method: http.MethodGet, path: path, out: &acct}); err != nil {
		return Profile{}, err
	}
	var media struct {
		Data []Media `json:"data"`
	}
	err := c.http.do(ctx, call{
		op: "list media", method: http.MethodGet, path: path + "/media",
		query: url.Values{"limit": {strconv.Itoa(profileMediaLimit)}}, out: &media,
	})
	if err != nil {
		return Profile{}, err
	}
	if media.Data == nil {
		media.Data = []Media{}
	}
	return Profile{
		Platform: acct.Platform, Username: acct.Username, FollowersCount: acct.FollowersCount,
		FollowsCount: acct.FollowsCount, MediaCount: acct.MediaCount, Media: media.Data,
		FollowerHistory: acct.FollowerHistory,
	}, nil
}

// MediaByURL resolves a post's permalink; ErrNotFound when it does not exist or was deleted.
func (c *SocialClient) MediaByURL(ctx context.Context, permalink string) (Media, error) {
	if permalink == "" {
		return Media{}, invalidRequest(c.http.provider, "get media", "a permalink is required")
	}
	var m Media
	err := c.http.do(ctx, call{
		op: "get media", method: http.MethodGet, path: "/v1/media",
		query: url.Values{"permalink": {permalink}}, out: &m,
	})
	if err == nil && m.Platform == "" {
		m.Platform = PlatformOfURL(cmp.Or(m.Permalink, permalink))
	}
	return m, err
}

// platformHosts are the domains of each platform's post URLs.
var platformHosts = map[string][]string{
	"instagram": {"instagram.com", "instagr.am"},
	"tiktok":    {"tiktok.com"},
	"youtube":   {"youtube.com", "youtu.be"},
	"x":         {"x.com", "twitter.com"},
	"facebook":  {"facebook.com", "fb.com", "fb.watch"},
}

// PlatformOfURL names the platform a post URL is on from its host (www.instagram.com/p/…
// is instagram); empty for a host that is no platform's.
func PlatformOfURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	for platform, domains := range platformHosts {
		for _, d := range domains {
			if host == d || strings.HasSuffix(host, "."+d) {
				return platform
			}
		}
	}
	return ""
}
