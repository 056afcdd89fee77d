"""The template: the schema model, field types, what people type read into values, the rules between fields, the schema
file and how one version changes into the next. Pure; below everything else."""
