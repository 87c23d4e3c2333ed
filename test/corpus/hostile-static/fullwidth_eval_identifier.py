"""Fullwidth letters: Python folds ｅｖａｌ to eval, a pattern rule does not."""
print(ｅｖａｌ("__import__('os').getcwd()"))
