# TFLint, run by .ci/terraform-lint.sh in the `lint` job of .github/workflows/terraform-plan.yml
# (the plugin is downloaded from GitHub, so not in `make test`): the bundled Terraform rules
# (recommended preset) and the Google ruleset, pinned (TFLint itself: the workflow pins it).
config {
  call_module_type = "none"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "google" {
  enabled = true
  version = "0.39.0"
  source  = "github.com/terraform-linters/tflint-ruleset-google"
}
