# Reference figures for src/shared/stats/bradley-terry-intervals.ts, written to
# tests/reference/bradley-terry.json (committed; tests/unit/bradley-terry-reference.test.ts
# reads it). Run from the repository root:  Rscript tests/reference/bradley-terry.R
#
# Needs R with BradleyTerry2 (Debian: apt-get install r-cran-bradleyterry2; MASS comes with R).
#
# The model is Bradley-Terry with each item also playing `prior` virtual wins and `prior`
# virtual losses against a fixed "avg" item (log-strength 0). Those games are ordinary data,
# so BradleyTerry2's BTm (a binomial glm) fits the posterior mode exactly with avg as the
# reference category. Profile-likelihood intervals of a contrast c.theta are found two ways:
#  - "profile": the exact root of 2 * (loglik at the mode - best loglik with c.theta = v) =
#    qchisq(level, 1), each constrained fit a glm with the contrast moved into an offset,
#    solved with uniroot to 1e-10;
#  - "mass": MASS's confint() on the same glm (item contrasts only), which interpolates the
#    profile with a spline, so it agrees with "profile" to about 1e-3.
suppressMessages(library(BradleyTerry2))
suppressMessages(library(MASS))

level <- 0.95
cases <- list(
  list(name = "separated: the issue's example, C never wins (15 decisive votes)",
       items = c("A", "B", "C"), prior = 1,
       votes = list(c("A", "C", 8, 0, 0), c("B", "C", 7, 0, 0)),
       pairs = list(c("A", "C"), c("B", "C"), c("A", "B"))),
  list(name = "separated chain: A > B > C, every vote one way",
       items = c("A", "B", "C"), prior = 1,
       votes = list(c("A", "B", 3, 0, 0), c("B", "C", 3, 0, 0), c("A", "C", 2, 0, 0)),
       pairs = list(c("A", "C"), c("A", "B"))),
  list(name = "sparse: five items, few votes, ties, a pair never met, E never compared",
       items = c("A", "B", "C", "D", "E"), prior = 1,
       votes = list(c("A", "B", 2, 1, 1), c("C", "D", 1, 0, 0), c("B", "C", 0, 2, 0), c("A", "D", 1, 0, 1)),
       pairs = list(c("A", "C"), c("A", "E"), c("C", "D"))),
  list(name = "ordinary: four items, 56 votes, every pair met",
       items = c("A", "B", "C", "D"), prior = 1,
       votes = list(c("A", "B", 6, 4, 2), c("B", "C", 7, 3, 0), c("A", "C", 8, 2, 1),
                    c("C", "D", 5, 5, 0), c("D", "B", 3, 6, 1), c("A", "D", 4, 1, 0)),
       pairs = list(c("A", "B"), c("C", "D"))),
  list(name = "weaker prior (0.5) on the separated example",
       items = c("A", "B", "C"), prior = 0.5,
       votes = list(c("A", "C", 8, 0, 0), c("B", "C", 7, 0, 0)),
       pairs = list(c("A", "C")))
)

# One row per contest (ties as half a win each way), plus each item's virtual games.
games <- function(case) {
  p1 <- character(); p2 <- character(); w1 <- numeric(); w2 <- numeric()
  for (v in case$votes) {
    ties <- as.numeric(v[5])
    p1 <- c(p1, v[1]); p2 <- c(p2, v[2])
    w1 <- c(w1, as.numeric(v[3]) + ties / 2); w2 <- c(w2, as.numeric(v[4]) + ties / 2)
  }
  for (item in case$items) {
    p1 <- c(p1, item); p2 <- c(p2, "avg"); w1 <- c(w1, case$prior); w2 <- c(w2, case$prior)
  }
  lv <- c("avg", case$items)
  data.frame(p1 = factor(p1, levels = lv), p2 = factor(p2, levels = lv), w1 = w1, w2 = w2)
}

# Design matrix: +1 for player 1, -1 for player 2, without the avg column (fixed at 0).
design <- function(g, items) {
  X <- sapply(items, function(it) (g$p1 == it) - (g$p2 == it))
  matrix(X, nrow = nrow(g), dimnames = list(NULL, items))
}

fitDev <- function(X, offset, g) {
  y <- cbind(g$w1, g$w2)
  if (ncol(X) == 0) {
    eta <- offset; p <- plogis(eta)
    return(-2 * sum(g$w1 * log(p) + g$w2 * log(1 - p)))
  }
  m <- suppressWarnings(glm(y ~ X - 1 + offset(offset), family = binomial,
                            control = glm.control(epsilon = 1e-14, maxit = 200)))
  # -2 loglik with fractional counts (glm's deviance differs from it by a constant).
  p <- fitted(m)
  -2 * sum(g$w1 * log(p) + g$w2 * log(1 - p))
}

profile1 <- function(X, g, cvec, centre, best) {
  # Reparametrise so the contrast is one coordinate: theta = B phi + v * e, B spans c-orthogonal.
  k <- which(cvec != 0)[1]
  e <- numeric(length(cvec)); e[k] <- 1 / cvec[k]
  B <- diag(length(cvec))[, -k, drop = FALSE]
  B[k, ] <- -cvec[-k] / cvec[k]
  target <- qchisq(level, 1)
  f <- function(v) fitDev(X %*% B, v * as.vector(X %*% e), g) - best - target
  lo <- uniroot(f, c(centre - 50, centre), tol = 1e-12)$root
  hi <- uniroot(f, c(centre, centre + 50), tol = 1e-12)$root
  c(lo, hi)
}

num <- function(x) sprintf("%.10g", x)
out <- character()
for (case in cases) {
  g <- games(case)
  fit <- suppressWarnings(BTm(cbind(w1, w2), p1, p2, data = g, refcat = "avg",
                              control = glm.control(epsilon = 1e-14, maxit = 200)))
  theta <- coef(fit)[paste0("..", case$items)]
  se <- sqrt(diag(vcov(fit)))[paste0("..", case$items)]
  X <- design(g, case$items)
  best <- fitDev(X, rep(0, nrow(g)), g)
  plain <- suppressWarnings(glm(cbind(w1, w2) ~ X - 1, family = binomial, data = g,
                                control = glm.control(epsilon = 1e-14, maxit = 200)))
  mass <- suppressMessages(suppressWarnings(confint(plain, level = level)))
  items <- character()
  for (i in seq_along(case$items)) {
    cvec <- numeric(length(case$items)); cvec[i] <- 1
    pr <- profile1(X, g, cvec, theta[i], best)
    items <- c(items, sprintf('{"item": "%s", "theta": %s, "se": %s, "profile": [%s, %s], "mass": [%s, %s]}',
      case$items[i], num(theta[i]), num(se[i]), num(pr[1]), num(pr[2]), num(mass[i, 1]), num(mass[i, 2])))
  }
  pairs <- character()
  for (pp in case$pairs) {
    cvec <- (case$items == pp[1]) - (case$items == pp[2])
    centre <- sum(cvec * theta)
    pr <- profile1(X, g, cvec, centre, best)
    pairs <- c(pairs, sprintf('{"a": "%s", "b": "%s", "diff": %s, "profile": [%s, %s]}',
      pp[1], pp[2], num(centre), num(pr[1]), num(pr[2])))
  }
  votes <- sapply(case$votes, function(v) sprintf('{"a": "%s", "b": "%s", "wins": %s, "losses": %s, "ties": %s}', v[1], v[2], v[3], v[4], v[5]))
  out <- c(out, sprintf('{"name": "%s", "prior": %s, "items": [%s], "votes": [%s], "fit": [%s], "pairs": [%s]}',
    case$name, num(case$prior), paste0('"', case$items, '"', collapse = ", "), paste(votes, collapse = ", "),
    paste(items, collapse = ",\n      "), paste(pairs, collapse = ",\n      ")))
}
header <- sprintf('"generator": "tests/reference/bradley-terry.R", "r": "%s", "BradleyTerry2": "%s", "MASS": "%s", "level": %s',
  R.version.string, as.character(packageVersion("BradleyTerry2")), as.character(packageVersion("MASS")), num(level))
writeLines(c("{", paste0("  ", header, ","), '  "cases": [', paste0("    ", paste(out, collapse = ",\n    ")), "  ]", "}"),
  "tests/reference/bradley-terry.json")
cat("wrote tests/reference/bradley-terry.json\n")
