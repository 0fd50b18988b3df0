"""监管: credit grades, 双随机一公开 draws, the inspection gate and quiet days, tolerance lists, fee checks."""
