"""rtlgym's SFT trainer (`rtlgym train sft`) and model server (`rtlgym model serve`)."""
