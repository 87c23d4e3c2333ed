"""yaml.load with the unsafe loader builds arbitrary objects."""
import yaml

cfg = yaml.load(open("config.yml"), Loader=yaml.Loader)
