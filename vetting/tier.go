package vetting

// Tiers by follower count, as PRODUCT.md defines them.
const (
	TierNano  = "nano"  // under 10,000
	TierMicro = "micro" // 10,000 to 99,999
	TierMid   = "mid"   // 100,000 to 499,999
	TierMacro = "macro" // 500,000 to 1,000,000
	TierMega  = "mega"  // over 1,000,000
)

// Tier returns the tier of an account with this many followers. PRODUCT.md gives the bands
// as nano <10k, micro 10k–100k, mid 100k–500k, macro 500k–1M, mega >1M; each lower bound is
// inclusive, except that exactly one million is still macro because mega is "more than 1M".
func Tier(followers int64) string {
	switch {
	case followers < 10_000:
		return TierNano
	case followers < 100_000:
		return TierMicro
	case followers < 500_000:
		return TierMid
	case followers <= 1_000_000:
		return TierMacro
	default:
		return TierMega
	}
}
