# Shopping list manager: lists, dictionaries and functions.

def add_item(item, basket=[]):
    basket.append(item)
    return basket


def remove_cheap(items, prices):
    for item in items:
        if prices[item] < 1:
            items.remove(item)
    return items


def total(prices):
    result = 0
    for item in prices:
        result += prices[item]
    print(result)


prices = {"apple": 0.5, "bread": 2.5, "milk": 1.2, "gum": 0.3}
items = list(prices)
remove_cheap(items, prices)
for name in prices:
    if prices[name] > 2:
        del prices[name]

name = "  Bread "
name.strip()
cost = total(prices)
print("Total cost:", cost)
