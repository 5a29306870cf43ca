# Reference estimates from R's survey package for tests/test_microdata_survey.py.
#
# Usage: Rscript survey_reference.R FOLDER...  Each FOLDER holds data.csv (the records) and
# params.csv (key,value: kind = taylor | replicate, the design's formulas or the replicate
# type, scale, rho, mse, lonely), and optionally rscales.csv. The script writes result.csv:
# the cell ("ALL" for the whole sample, otherwise the domain's label), the total of y, its
# standard error, CV and 95% confidence interval, with 17 significant digits.
#
# Usage: Rscript survey_reference.R --api FOLDER  writes apistrat.csv and apiclus1.csv (the
# classic designs of data(api)), the replicate weights R derives from them (as.svrepdesign:
# JKn for apistrat, JK1 and bootstrap for apiclus1) with their scale and rscales, and for each
# design NAME_result.csv: the total enrolment by school type, as above.
suppressMessages(library(survey))

fmt <- function(x) sprintf("%.17g", x)

value <- function(params, key, default = "") {
  found <- params$value[params$key == key]
  if (length(found) == 0 || is.na(found[1]) || found[1] == "") default else found[1]
}

design_for <- function(folder, data, params) {
  if (value(params, "kind") == "taylor") {
    strata <- value(params, "strata")
    fpc <- value(params, "fpc")
    return(svydesign(
      ids = as.formula(value(params, "ids")),
      strata = if (strata == "") NULL else as.formula(strata),
      fpc = if (fpc == "") NULL else as.formula(fpc),
      weights = ~w, data = data, nest = TRUE
    ))
  }
  reps <- data[, grep("^rep[0-9]+$", names(data)), drop = FALSE]
  type <- value(params, "type")
  rho <- value(params, "rho")
  scale <- value(params, "scale")
  rscales <- NULL
  if (file.exists(file.path(folder, "rscales.csv"))) {
    rscales <- read.csv(file.path(folder, "rscales.csv"))$rscales
  }
  suppressWarnings(svrepdesign(
    data = data, repweights = reps, weights = ~w, type = type, combined.weights = TRUE,
    rho = if (rho == "") NULL else as.numeric(rho),
    scale = if (scale == "") NULL else as.numeric(scale),
    rscales = rscales, mse = value(params, "mse", "FALSE") == "TRUE"
  ))
}

write_estimates <- function(des, y, by, path) {
  all <- svytotal(y, des)
  domains <- svyby(y, by, des, svytotal)
  ci <- rbind(confint(all), confint(domains))
  out <- data.frame(
    cell = c("ALL", as.character(domains[[all.vars(by)]])),
    total = fmt(c(coef(all), coef(domains))),
    se = fmt(c(SE(all), SE(domains))),
    cv = fmt(c(cv(all), cv(domains))),
    ci_low = fmt(ci[, 1]),
    ci_high = fmt(ci[, 2])
  )
  write.csv(out, path, row.names = FALSE)
}

estimate <- function(folder) {
  params <- read.csv(file.path(folder, "params.csv"), colClasses = "character")
  data <- read.csv(file.path(folder, "data.csv"), colClasses = c(dom = "character"))
  options(survey.lonely.psu = value(params, "lonely", "fail"))
  des <- design_for(folder, data, params)
  write_estimates(des, ~y, ~dom, file.path(folder, "result.csv"))
}

# The replicate weights of a design R derived, and R's estimates from them read back as
# svrepdesign(type = ...) reads a file's weights.
write_replicates <- function(rep, name, folder, data, type) {
  w <- matrix(as.numeric(unclass(weights(rep, "analysis"))), nrow = nrow(rep$variables))
  colnames(w) <- paste0("rep", seq_len(ncol(w)))
  write.csv(data.frame(w), file.path(folder, paste0(name, "_weights.csv")), row.names = FALSE)
  write.csv(data.frame(scale = fmt(rep$scale), rscales = fmt(rep$rscales)),
            file.path(folder, paste0(name, "_scales.csv")), row.names = FALSE)
  read <- svrepdesign(data = data, repweights = data.frame(w), weights = ~pw, type = type,
                      scale = rep$scale, rscales = rep$rscales, combined.weights = TRUE)
  write_estimates(read, ~enroll, ~stype, file.path(folder, paste0(name, "_result.csv")))
}

export_api <- function(folder) {
  data(api)
  columns <- c("stype", "dnum", "pw", "fpc", "enroll", "api00")
  write.csv(apistrat[, columns], file.path(folder, "apistrat.csv"), row.names = FALSE)
  write.csv(apiclus1[, columns], file.path(folder, "apiclus1.csv"), row.names = FALSE)
  dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
  dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
  write_estimates(dstrat, ~enroll, ~stype, file.path(folder, "apistrat_result.csv"))
  write_estimates(dclus1, ~enroll, ~stype, file.path(folder, "apiclus1_result.csv"))
  jkn <- as.svrepdesign(dstrat, type = "JKn", compress = FALSE)
  write_replicates(jkn, "apistrat_jkn", folder, apistrat, "JKn")
  jk1 <- as.svrepdesign(dclus1, type = "JK1", compress = FALSE)
  write_replicates(jk1, "apiclus1_jk1", folder, apiclus1, "JK1")
  set.seed(20261206)
  boot <- as.svrepdesign(dclus1, type = "bootstrap", replicates = 50, compress = FALSE)
  write_replicates(boot, "apiclus1_boot", folder, apiclus1, "bootstrap")
}

args <- commandArgs(trailingOnly = TRUE)
if (length(args) == 2 && args[1] == "--api") {
  export_api(args[2])
} else {
  for (folder in args) estimate(folder)
}
