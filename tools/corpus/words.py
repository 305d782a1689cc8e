"""Word and fact tables for gen_corpus.py, written for this project.

Every list here was typed for griffin's corpus; nothing is copied from a
dictionary or another corpus. Facts about the real world (capitals, planets,
elements, animal classes) are common knowledge; places, people and events in
the history and geography generators are invented. Lists are whitespace- or
'|'-separated strings so the tables stay compact; order matters (the
generator is seeded, so changing a table changes the corpus and the model).
"""


def w(s):
    return s.split()


def bar(s):
    return [x.strip() for x in s.strip().split("|") if x.strip()]


FIRST_NAMES = w("""
Maria Tom Ana James Priya Omar Lena Kofi Sofia Daniel Aisha Lucas Mei Noah Elena
Samuel Fatima Leo Hana Victor Grace Mateo Chloe Ibrahim Nora Ravi Emma Diego Yuki
Oliver Zara Felix Amara Hugo Ines Jonas Layla Marco Rosa Arjun Clara Ethan Sara
Kenji Lucy Pablo Maya Tariq Alice Sven Nadia Ben Ingrid Kwame Julia Adam Freya
Hassan Olivia Tomas Lina Raj Helen Paul Amina Carlos Eva Dmitri Isla Yusuf Anna
Peter Chen Lila Max Selin Henry Keiko Rafael Dana Theo Asha Luis Mira Jack Wen
Ruth George Aiden Bianca Finn Esther Malik Camille Nikolai Tara Oscar Joy Karim
Vera Simon Leila Martin Ivy Andrei Naomi Hiro Bella Sipho Lotte Ahmed Rita Erik
Priscila Jamal Greta Mohan Iris Viktor Amelie Kai Beatrice Tobias Femi Lucia Rohan
""")

SURNAMES = w("""
Garcia Smith Patel Okafor Nguyen Kowalski Rossi Tanaka Silva Mensah Novak Haddad
Johansson Murphy Schmidt Dubois Costa Kim Ali Fischer Moreno Brown Lindqvist Osei
Yamamoto Petrov Walker Santos Chen Ahmed Nakamura Bauer Reyes Clarke Ivanova Okoye
Hughes Lopez Sato Weber Mwangi Andersen Rahman Fernandes Wright Kaur Bianchi Park
Hoffmann Diaz Evans Suzuki Adeyemi Larsen Khan Moreau Torres Jensen Baker Singh
Varga Russo Cohen Ortiz Hill Berg Mendes Owusu Lambert Keller Castro Price Yilmaz
""")

TITLES = w("Mr. Mrs. Ms. Dr. Prof.")

MONTHS = w("January February March April May June July August September October November December")
MONTH_ABBR = w("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec")
DAYS = w("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
SEASONS = w("spring summer autumn winter")
TIMES_OF_DAY = bar("""in the morning | in the afternoon | in the evening | at night | at dawn |
just after lunch | before breakfast | around midnight | at noon | late in the day | early on""")

# Animals: name, class, diet, habitat, number of legs.
ANIMALS = [
    ("dog", "mammal", "omnivore", "homes and farms", 4),
    ("cat", "mammal", "carnivore", "homes", 4),
    ("horse", "mammal", "herbivore", "grasslands and farms", 4),
    ("cow", "mammal", "herbivore", "farms", 4),
    ("sheep", "mammal", "herbivore", "hills and farms", 4),
    ("goat", "mammal", "herbivore", "mountains and farms", 4),
    ("rabbit", "mammal", "herbivore", "meadows", 4),
    ("fox", "mammal", "omnivore", "forests and towns", 4),
    ("wolf", "mammal", "carnivore", "forests", 4),
    ("bear", "mammal", "omnivore", "forests", 4),
    ("deer", "mammal", "herbivore", "forests", 4),
    ("elephant", "mammal", "herbivore", "savannas and forests", 4),
    ("giraffe", "mammal", "herbivore", "savannas", 4),
    ("lion", "mammal", "carnivore", "savannas", 4),
    ("tiger", "mammal", "carnivore", "forests", 4),
    ("zebra", "mammal", "herbivore", "savannas", 4),
    ("whale", "mammal", "carnivore", "oceans", 0),
    ("dolphin", "mammal", "carnivore", "oceans", 0),
    ("bat", "mammal", "omnivore", "caves and forests", 2),
    ("mouse", "mammal", "omnivore", "fields and homes", 4),
    ("squirrel", "mammal", "herbivore", "woods and parks", 4),
    ("camel", "mammal", "herbivore", "deserts", 4),
    ("kangaroo", "mammal", "herbivore", "grasslands", 2),
    ("otter", "mammal", "carnivore", "rivers", 4),
    ("hedgehog", "mammal", "omnivore", "gardens and hedges", 4),
    ("eagle", "bird", "carnivore", "mountains", 2),
    ("owl", "bird", "carnivore", "woods", 2),
    ("sparrow", "bird", "omnivore", "towns and fields", 2),
    ("penguin", "bird", "carnivore", "cold coasts", 2),
    ("parrot", "bird", "herbivore", "rainforests", 2),
    ("duck", "bird", "omnivore", "ponds", 2),
    ("swan", "bird", "herbivore", "lakes", 2),
    ("pigeon", "bird", "herbivore", "cities", 2),
    ("robin", "bird", "omnivore", "gardens", 2),
    ("ostrich", "bird", "omnivore", "savannas", 2),
    ("heron", "bird", "carnivore", "wetlands", 2),
    ("salmon", "fish", "carnivore", "rivers and seas", 0),
    ("trout", "fish", "carnivore", "streams", 0),
    ("shark", "fish", "carnivore", "oceans", 0),
    ("tuna", "fish", "carnivore", "oceans", 0),
    ("goldfish", "fish", "omnivore", "ponds and tanks", 0),
    ("cod", "fish", "carnivore", "cold seas", 0),
    ("snake", "reptile", "carnivore", "grasslands and deserts", 0),
    ("lizard", "reptile", "carnivore", "deserts and rocks", 4),
    ("turtle", "reptile", "omnivore", "seas and ponds", 4),
    ("crocodile", "reptile", "carnivore", "rivers", 4),
    ("tortoise", "reptile", "herbivore", "dry land", 4),
    ("frog", "amphibian", "carnivore", "ponds", 4),
    ("toad", "amphibian", "carnivore", "damp gardens", 4),
    ("salamander", "amphibian", "carnivore", "streams", 4),
    ("newt", "amphibian", "carnivore", "ponds", 4),
    ("ant", "insect", "omnivore", "soil", 6),
    ("bee", "insect", "herbivore", "meadows", 6),
    ("butterfly", "insect", "herbivore", "meadows", 6),
    ("beetle", "insect", "omnivore", "forests", 6),
    ("grasshopper", "insect", "herbivore", "fields", 6),
    ("mosquito", "insect", "omnivore", "wetlands", 6),
    ("ladybird", "insect", "carnivore", "gardens", 6),
    ("dragonfly", "insect", "carnivore", "ponds", 6),
    ("spider", "arachnid", "carnivore", "almost everywhere", 8),
    ("scorpion", "arachnid", "carnivore", "deserts", 8),
    ("crab", "crustacean", "omnivore", "shores", 10),
    ("lobster", "crustacean", "omnivore", "sea floors", 10),
    ("octopus", "mollusc", "carnivore", "oceans", 0),
    ("snail", "mollusc", "herbivore", "gardens", 0),
]
ANIMAL_CLASSES = w("mammal bird fish reptile amphibian insect arachnid crustacean mollusc")

FOODS_COUNT = w("""
apple banana orange pear peach plum lemon lime mango melon cherry grape strawberry
tomato potato carrot onion pepper cucumber egg cookie cake pie sandwich muffin
bagel pancake biscuit pumpkin avocado coconut olive radish turnip leek pineapple
apricot fig date walnut almond peanut pretzel dumpling taco burrito croissant
""")
FOODS_MASS = w("""
bread rice pasta soup cheese butter milk yogurt honey jam flour sugar salt tea
coffee juice cereal oatmeal chicken fish beef lettuce spinach broccoli garlic
corn popcorn chocolate cream vinegar oil noodles porridge salad lentils beans
""")

OBJECTS = w("""
book pen pencil notebook lamp chair table cup mug plate bowl spoon fork knife
bottle bag box key phone clock mirror pillow blanket towel umbrella basket
ladder bucket broom candle camera radio wallet ticket map letter envelope
kettle jar brush comb rope shovel hammer screwdriver wrench saw drill nail
bicycle helmet backpack suitcase guitar violin drum piano flute trumpet ball
kite puzzle jacket sweater scarf glove boot shoe hat sock shirt dress coat
laptop keyboard printer battery cable charger tablet speaker headphones
calculator ruler stapler folder calendar poster painting vase rug curtain
sofa shelf drawer cupboard oven fridge sink tap window door gate fence
""")

TOWN_PLACES = w("""
library market bakery school hospital station museum park garden harbor
bridge square stadium theater cinema cafe restaurant pharmacy bank office
factory farm zoo beach island forest lake river valley village castle
church temple tower airport post-office supermarket playground gym pool
""")

NATURE = w("""
mountain hill valley river stream lake pond ocean sea bay cliff cave desert
forest meadow field island volcano glacier canyon swamp marsh beach dune
waterfall plain plateau reef spring delta coast peninsula lagoon ridge
""")

JOBS = w("""
teacher doctor nurse farmer baker carpenter plumber pilot driver engineer
scientist artist writer singer painter gardener chef waiter cashier librarian
firefighter mechanic electrician architect dentist pharmacist lawyer judge
journalist photographer tailor fisherman sailor soldier student clerk guard
programmer designer accountant manager nurse vet biologist chemist astronomer
geologist historian musician dancer actor potter weaver miner builder cleaner
""")

MATERIALS = [
    # name, conducts electricity, magnetic, floats in water, state at room temperature
    ("iron", True, True, False, "solid"),
    ("copper", True, False, False, "solid"),
    ("aluminium", True, False, False, "solid"),
    ("steel", True, True, False, "solid"),
    ("gold", True, False, False, "solid"),
    ("silver", True, False, False, "solid"),
    ("wood", False, False, True, "solid"),
    ("cork", False, False, True, "solid"),
    ("glass", False, False, False, "solid"),
    ("rubber", False, False, False, "solid"),
    ("plastic", False, False, False, "solid"),
    ("paper", False, False, True, "solid"),
    ("stone", False, False, False, "solid"),
    ("cotton", False, False, False, "solid"),
    ("wool", False, False, False, "solid"),
    ("water", False, False, True, "liquid"),
    ("mercury", True, False, False, "liquid"),
    ("oil", False, False, True, "liquid"),
    ("air", False, False, True, "gas"),
    ("nitrogen", False, False, True, "gas"),
]

VEHICLES = w("car bus train truck bicycle motorcycle boat ship plane helicopter tram van scooter taxi ferry canoe")
BODY = w("head hand foot arm leg knee elbow shoulder finger toe eye ear nose mouth tooth heart lung stomach brain skin bone muscle")
COLORS = w("red orange yellow green blue purple pink brown black white grey gold silver violet turquoise")
SPORTS = w("football tennis swimming running cycling chess basketball volleyball rowing climbing skiing hockey cricket badminton baseball golf")
SUBJECTS = bar("""mathematics | physics | chemistry | biology | history | geography | music | art |
literature | economics | computer science | astronomy | geology | philosophy | statistics |
medicine | law | engineering | psychology | nutrition""")
WEATHER = bar("""sunny | cloudy | rainy | windy | foggy | stormy | snowy | cold | warm | hot | humid |
chilly | clear | grey | damp | frosty | mild""")
PLANTS = w("oak pine maple birch willow cedar palm fern moss ivy rose tulip daisy lily sunflower cactus bamboo clover heather lavender mint basil thyme")

ADJ = w("""
big small tall short long wide narrow heavy light old new young quick slow bright
dark quiet loud soft hard smooth rough warm cold hot cool wet dry clean dirty
empty full cheap expensive simple difficult easy strange famous ordinary rare
common careful careless brave shy friendly angry calm happy sad tired busy lazy
hungry thirsty proud honest polite rude clever curious gentle kind patient
fresh stale sweet sour bitter salty spicy plain fancy modern ancient broken
useful useless healthy safe dangerous quiet noisy crowded lonely local distant
golden wooden plastic metal paper woollen sharp blunt round square flat steep
deep shallow thick thin fast early late gentle fierce wild tame shiny dusty
""")
FEELINGS = w("happy sad nervous excited tired proud worried relieved surprised angry calm bored curious grateful confused hopeful annoyed cheerful lonely")
ADVERBS = w("""
quickly slowly carefully quietly loudly happily sadly gently suddenly finally
nearly almost always never often sometimes rarely usually already still soon
later early together alone easily badly well politely patiently proudly calmly
eagerly brightly softly firmly warmly barely mostly simply clearly honestly
""")

# Irregular verbs: base, past, past participle.
IRREGULAR = [
    ("be", "was", "been"), ("have", "had", "had"), ("do", "did", "done"), ("go", "went", "gone"),
    ("make", "made", "made"), ("take", "took", "taken"), ("give", "gave", "given"),
    ("find", "found", "found"), ("buy", "bought", "bought"), ("bring", "brought", "brought"),
    ("think", "thought", "thought"), ("see", "saw", "seen"), ("come", "came", "come"),
    ("eat", "ate", "eaten"), ("drink", "drank", "drunk"), ("write", "wrote", "written"),
    ("read", "read", "read"), ("run", "ran", "run"), ("swim", "swam", "swum"),
    ("sing", "sang", "sung"), ("build", "built", "built"), ("send", "sent", "sent"),
    ("spend", "spent", "spent"), ("lose", "lost", "lost"), ("sell", "sold", "sold"),
    ("tell", "told", "told"), ("speak", "spoke", "spoken"), ("break", "broke", "broken"),
    ("choose", "chose", "chosen"), ("drive", "drove", "driven"), ("ride", "rode", "ridden"),
    ("fly", "flew", "flown"), ("grow", "grew", "grown"), ("know", "knew", "known"),
    ("throw", "threw", "thrown"), ("draw", "drew", "drawn"), ("forget", "forgot", "forgotten"),
    ("get", "got", "got"), ("hold", "held", "held"), ("keep", "kept", "kept"),
    ("leave", "left", "left"), ("meet", "met", "met"), ("pay", "paid", "paid"),
    ("put", "put", "put"), ("sit", "sat", "sat"), ("stand", "stood", "stood"),
    ("sleep", "slept", "slept"), ("teach", "taught", "taught"), ("catch", "caught", "caught"),
    ("feel", "felt", "felt"), ("hear", "heard", "heard"), ("win", "won", "won"),
    ("begin", "began", "begun"), ("wear", "wore", "worn"), ("cut", "cut", "cut"),
    ("hide", "hid", "hidden"), ("lend", "lent", "lent"), ("shake", "shook", "shaken"),
    ("feed", "fed", "fed"), ("light", "lit", "lit"), ("dig", "dug", "dug"),
    ("sweep", "swept", "swept"), ("wake", "woke", "woken"), ("steal", "stole", "stolen"),
    ("bake", "baked", "baked"),
]
IRREGULAR_MAP = {b: (p, pp) for b, p, pp in IRREGULAR}
DOUBLING = w("occur prefer permit admit control refer commit stop plan drop shop jog hug skip chat grab hop clap tap nod rub wrap trim ship swim run sit cut dig get begin win forget")

VERBS_FOOD = w("cook eat buy bake slice taste share order pack wash peel chop serve carry sell grow pick")
VERBS_OBJECT = w("carry clean fix find lose borrow paint move open wrap hide drop lift sell buy check polish repair return fold replace measure label weigh test")
VERBS_PLACE = w("visit leave reach explore pass clean photograph map describe sketch enter")
VERBS_INTRANS = w("laugh smile wait walk run rest sleep read write sing dance travel work study cook swim shout whisper listen think climb jump")
VERBS_COMM = w("said asked replied answered whispered shouted explained added admitted suggested agreed called insisted wondered laughed")

ABSTRACT = w("""
idea plan problem answer question reason result chance choice change habit
memory dream promise secret story lesson rule goal purpose decision mistake
surprise success failure freedom patience courage kindness honesty knowledge
history science music silence progress trouble advice news opinion method
energy balance pressure distance speed weight height length temperature
""")

COUNTRIES = [
    # country, capital, continent, main language
    ("France", "Paris", "Europe", "French"),
    ("Spain", "Madrid", "Europe", "Spanish"),
    ("Italy", "Rome", "Europe", "Italian"),
    ("Germany", "Berlin", "Europe", "German"),
    ("Portugal", "Lisbon", "Europe", "Portuguese"),
    ("Poland", "Warsaw", "Europe", "Polish"),
    ("Greece", "Athens", "Europe", "Greek"),
    ("Norway", "Oslo", "Europe", "Norwegian"),
    ("Sweden", "Stockholm", "Europe", "Swedish"),
    ("Ireland", "Dublin", "Europe", "English"),
    ("Egypt", "Cairo", "Africa", "Arabic"),
    ("Kenya", "Nairobi", "Africa", "Swahili"),
    ("Ghana", "Accra", "Africa", "English"),
    ("Nigeria", "Abuja", "Africa", "English"),
    ("Morocco", "Rabat", "Africa", "Arabic"),
    ("Japan", "Tokyo", "Asia", "Japanese"),
    ("China", "Beijing", "Asia", "Chinese"),
    ("India", "New Delhi", "Asia", "Hindi"),
    ("Thailand", "Bangkok", "Asia", "Thai"),
    ("Vietnam", "Hanoi", "Asia", "Vietnamese"),
    ("Turkey", "Ankara", "Asia", "Turkish"),
    ("Canada", "Ottawa", "North America", "English"),
    ("Mexico", "Mexico City", "North America", "Spanish"),
    ("Cuba", "Havana", "North America", "Spanish"),
    ("Brazil", "Brasilia", "South America", "Portuguese"),
    ("Argentina", "Buenos Aires", "South America", "Spanish"),
    ("Peru", "Lima", "South America", "Spanish"),
    ("Chile", "Santiago", "South America", "Spanish"),
    ("Australia", "Canberra", "Oceania", "English"),
    ("New Zealand", "Wellington", "Oceania", "English"),
]

PLANETS = [
    # name, order from the Sun, kind
    ("Mercury", 1, "rocky"), ("Venus", 2, "rocky"), ("Earth", 3, "rocky"), ("Mars", 4, "rocky"),
    ("Jupiter", 5, "gas giant"), ("Saturn", 6, "gas giant"), ("Uranus", 7, "ice giant"),
    ("Neptune", 8, "ice giant"),
]

ELEMENTS = [
    ("hydrogen", "H", 1), ("helium", "He", 2), ("lithium", "Li", 3), ("carbon", "C", 6),
    ("nitrogen", "N", 7), ("oxygen", "O", 8), ("neon", "Ne", 10), ("sodium", "Na", 11),
    ("magnesium", "Mg", 12), ("aluminium", "Al", 13), ("silicon", "Si", 14),
    ("sulfur", "S", 16), ("chlorine", "Cl", 17), ("potassium", "K", 19), ("calcium", "Ca", 20),
    ("iron", "Fe", 26), ("copper", "Cu", 29), ("zinc", "Zn", 30), ("silver", "Ag", 47),
    ("tin", "Sn", 50), ("gold", "Au", 79), ("mercury", "Hg", 80), ("lead", "Pb", 82),
]

# Short explanations written for this corpus; the science generator mixes
# them with sentences built from the tables above.
SCIENCE_FACTS = bar("""
Water boils at 100 degrees Celsius at sea level and freezes at 0 degrees Celsius. |
Plants use sunlight, water and carbon dioxide to make sugar, and they give off oxygen as they do it. |
The Moon does not make its own light; it reflects light from the Sun. |
Sound needs something to travel through, such as air or water, so it cannot cross empty space. |
Light travels much faster than sound, which is why we see lightning before we hear thunder. |
A magnet has two poles, and opposite poles pull toward each other while like poles push apart. |
The heart is a muscle that pumps blood through the body, carrying oxygen to every cell. |
Ice floats on water because water expands when it freezes, so ice is less dense than liquid water. |
Earth takes about 365 days to travel once around the Sun and about 24 hours to spin once on its axis. |
Seasons happen because Earth's axis is tilted, so each half of the planet leans toward the Sun for part of the year. |
Rocks slowly break into smaller pieces through weathering, and the pieces are carried away by wind, water and ice. |
A food chain shows who eats whom: grass is eaten by rabbits, and rabbits are eaten by foxes. |
Evaporation turns liquid water into water vapour, and condensation turns the vapour back into droplets. |
Clouds form when warm, moist air rises, cools, and its water vapour condenses on tiny specks of dust. |
Friction is a force that slows moving objects when two surfaces rub against each other. |
Gravity pulls objects toward each other; on Earth it makes dropped things fall toward the ground. |
An electric circuit must be a closed loop for current to flow through it. |
Bones protect the organs inside the body and, together with muscles, let us move. |
Seeds need water, air and the right temperature to sprout. |
Fossils are the remains or traces of living things preserved in rock over a very long time. |
Volcanoes form where melted rock from deep inside Earth rises to the surface. |
A thermometer measures temperature, and a barometer measures air pressure. |
Insects have six legs and three main body parts: the head, the thorax and the abdomen. |
Mammals are warm-blooded, have hair or fur, and feed their young with milk. |
Metals are usually shiny, and most of them conduct heat and electricity well. |
Dissolving sugar in water makes a solution; the sugar is still there even though we cannot see it. |
The stomach breaks food down with acid and muscle movements before it passes to the intestines. |
Shadows are longest in the early morning and late afternoon, when the Sun is low in the sky. |
A lever lets a small force move a heavy load when the pivot is placed near the load. |
Recycling paper saves trees, water and the energy needed to make new paper from wood. |
Rainbows appear when sunlight is bent and split into colours by raindrops. |
The lungs take in oxygen from the air and remove carbon dioxide from the blood. |
Mixtures can often be separated: sand can be filtered out of water, and salt can be left behind by evaporation. |
Vaccines train the immune system to recognise a germ before a real infection happens. |
Most of Earth's surface, about seventy percent, is covered by water. |
The Sun is a star, and it is the closest star to Earth. |
Camels store fat, not water, in their humps, and they can go a long time without drinking. |
A year on Mars is almost twice as long as a year on Earth. |
Bees carry pollen from flower to flower, which helps plants make seeds and fruit. |
Wood, coal and oil are fuels: burning them releases energy stored long ago from sunlight.
""")

# Glossary entries written for this corpus: word, part of speech, meaning.
GLOSSARY = [
    ("harbor", "noun", "a sheltered stretch of water where boats can stay safely"),
    ("orbit", "noun", "the curved path of one object around another in space"),
    ("erosion", "noun", "the slow wearing away of land by water, wind or ice"),
    ("habitat", "noun", "the natural home of a plant or animal"),
    ("budget", "noun", "a plan for how much money will be spent and saved"),
    ("borrow", "verb", "to take something with the promise to give it back"),
    ("fragile", "adjective", "easily broken or damaged"),
    ("estimate", "verb", "to make a careful guess about a size, number or cost"),
    ("migrate", "verb", "to move from one region to another, often with the seasons"),
    ("predator", "noun", "an animal that hunts other animals for food"),
    ("fraction", "noun", "a number that names part of a whole, such as one half"),
    ("perimeter", "noun", "the total distance around the edge of a shape"),
    ("volume", "noun", "the amount of space that something takes up"),
    ("century", "noun", "a period of one hundred years"),
    ("decade", "noun", "a period of ten years"),
    ("ancient", "adjective", "belonging to the very distant past"),
    ("evaporate", "verb", "to change from a liquid into a gas"),
    ("generous", "adjective", "happy to give time, help or money to others"),
    ("reluctant", "adjective", "not willing to do something and slow to begin it"),
    ("candid", "adjective", "honest and direct, even when the truth is uncomfortable"),
    ("vivid", "adjective", "bright, strong and clear"),
    ("scarce", "adjective", "hard to find because there is not much of it"),
    ("abundant", "adjective", "present in large amounts"),
    ("harvest", "noun", "the gathering of crops when they are ripe"),
    ("mineral", "noun", "a solid substance that forms naturally in the ground"),
    ("glacier", "noun", "a huge, slow-moving mass of ice on land"),
    ("delta", "noun", "flat land where a river splits and spreads out before reaching the sea"),
    ("climate", "noun", "the usual weather of a place over many years"),
    ("recipe", "noun", "a set of instructions for preparing a dish"),
    ("compass", "noun", "a tool with a needle that points to magnetic north"),
    ("symmetry", "noun", "the quality of having matching halves"),
    ("average", "noun", "the sum of a set of numbers divided by how many numbers there are"),
    ("rotate", "verb", "to turn around a centre or an axis"),
    ("insulate", "verb", "to cover something so that heat, sound or electricity cannot pass easily"),
    ("debate", "noun", "a discussion in which people argue different sides of a question"),
    ("citizen", "noun", "a person who legally belongs to a country"),
    ("merchant", "noun", "a person who buys and sells goods, especially in large amounts"),
    ("voyage", "noun", "a long journey, especially by sea or through space"),
    ("cautious", "adjective", "careful to avoid risks"),
    ("observe", "verb", "to watch something carefully in order to learn about it"),
    ("hypothesis", "noun", "an idea that can be tested by an experiment"),
    ("variable", "noun", "something that can change in an experiment or a calculation"),
    ("function", "noun", "a named piece of a program that takes inputs and returns a result"),
    ("archive", "noun", "a collection of old records and documents"),
    ("latitude", "noun", "how far north or south a place is from the equator"),
    ("longitude", "noun", "how far east or west a place is from the prime meridian"),
    ("drought", "noun", "a long period with little or no rain"),
    ("tidy", "adjective", "neat and well arranged"),
    ("weary", "adjective", "very tired after a long effort"),
    ("thrifty", "adjective", "careful not to waste money or things"),
]

# Syllables for invented places, rulers and rivers.
SYL_START = w("Vel Tor Ash Bran Cal Dor El Fen Gar Hal Is Kel Lor Mar Nor Os Pel Quin Ros Sal Tam Ul Var Wen Yar Zel Bel Cor Dun Hav Lin Mor")
SYL_MID = w("a e i o u an en ar or il el am ev ith ov")
SYL_END = w("mora ford haven ton dale mere wick stead burg holm gard lyn more vale crest shire port brook field nor ia is")

UNITS = [
    ("metre", "metres", "m"), ("kilometre", "kilometres", "km"), ("centimetre", "centimetres", "cm"),
    ("kilogram", "kilograms", "kg"), ("gram", "grams", "g"), ("litre", "litres", "L"),
    ("millilitre", "millilitres", "mL"), ("second", "seconds", "s"), ("minute", "minutes", "min"),
    ("hour", "hours", "h"),
]

CURRENCIES = [("$", "dollars", "dollar"), ("€", "euros", "euro"), ("£", "pounds", "pound")]

CODE_NOUNS = w("""user item order price total count name value index result buffer path file
line token score record entry node list key size limit offset page row column table config
queue task job event message request response error status cache""")
CODE_VERBS = w("get set load save parse read write compute update check find count sort filter build send open close reset merge split format validate")

HOWTO = [
    ("make a cup of tea", [
        "Fill the kettle with fresh water and switch it on.",
        "Put a tea bag in a cup.",
        "When the water boils, pour it over the tea bag.",
        "Wait three to five minutes, depending on how strong you like it.",
        "Take out the tea bag and add milk or sugar if you want.",
    ]),
    ("plant a seed", [
        "Fill a small pot with damp soil.",
        "Press a hole about two centimetres deep with your finger.",
        "Drop the seed in and cover it gently with soil.",
        "Put the pot somewhere warm and bright.",
        "Water it a little whenever the soil feels dry.",
    ]),
    ("fix a flat bicycle tyre", [
        "Remove the wheel from the frame.",
        "Use tyre levers to lift one side of the tyre off the rim.",
        "Pull out the inner tube and find the hole by pumping a little air into it.",
        "Roughen the area around the hole, apply glue and press a patch on.",
        "Put the tube back, refit the tyre and pump it to the right pressure.",
    ]),
    ("wash your hands properly", [
        "Wet your hands with clean running water.",
        "Apply soap and rub your palms together.",
        "Scrub the backs of your hands, between your fingers and under your nails.",
        "Keep scrubbing for at least twenty seconds.",
        "Rinse well and dry your hands with a clean towel.",
    ]),
    ("pack for a weekend trip", [
        "Check the weather forecast for the place you are visiting.",
        "Make a list of clothes for two days, plus one spare set.",
        "Pack heavy items at the bottom of the bag.",
        "Put toiletries in a sealed pouch in case they leak.",
        "Keep your ticket, keys and wallet in an easy pocket.",
    ]),
    ("boil an egg", [
        "Place the egg in a small pan and cover it with cold water.",
        "Bring the water to the boil over a medium heat.",
        "Cook for six minutes for a soft yolk or ten minutes for a firm one.",
        "Move the egg into cold water to stop it cooking.",
        "Tap the shell on the counter and peel it.",
    ]),
    ("write a short report", [
        "Decide what question the report answers.",
        "Collect the facts and note where each one came from.",
        "Write a plan with an introduction, a middle and a conclusion.",
        "Draft each section in plain sentences.",
        "Read it aloud, cut anything unclear, and check the spelling.",
    ]),
    ("save money each month", [
        "Write down everything you spend for one month.",
        "Sort the spending into needs and wants.",
        "Choose an amount to save and move it to savings on payday.",
        "Cook at home more often and plan meals ahead.",
        "Review the plan at the end of each month.",
    ]),
    ("clean a window", [
        "Mix warm water with a small amount of washing-up liquid.",
        "Wipe the glass with a soft cloth or sponge.",
        "Pull a squeegee from top to bottom in straight strokes.",
        "Wipe the blade after every stroke.",
        "Dry the edges with a lint-free cloth.",
    ]),
    ("find the average of some numbers", [
        "Add all the numbers together.",
        "Count how many numbers there are.",
        "Divide the total by the count.",
        "Check that the answer lies between the smallest and largest numbers.",
    ]),
]

GOALS = [
    # goal, good solution, poor solution (for physical commonsense questions)
    ("keep bread fresh for longer", "Store it in a sealed bag in a cool, dry place.", "Leave it uncovered on a sunny windowsill."),
    ("cool a hot drink quickly", "Pour it into a wide cup and stir it.", "Put a lid on it and wrap it in a towel."),
    ("open a jar with a tight lid", "Run the lid under hot water, then twist it with a dry cloth.", "Hit the jar hard against the edge of the table."),
    ("dry wet shoes", "Stuff them with newspaper and leave them in a warm, airy place.", "Seal them in a plastic bag overnight."),
    ("remove a splinter", "Clean the skin and pull the splinter out with clean tweezers.", "Push it deeper so the skin closes over it."),
    ("light a dark room", "Switch on a lamp or open the curtains.", "Close the door and turn off the lamp."),
    ("stop paper from blowing away outside", "Put a stone on top of the pile.", "Fan the pile with a notebook."),
    ("make ice melt faster", "Sprinkle salt on it.", "Put it in the freezer."),
    ("keep a plant healthy", "Water it regularly and give it enough light.", "Keep it in a dark cupboard and never water it."),
    ("carry many groceries at once", "Use a sturdy bag with handles or a trolley.", "Balance everything on one open hand."),
    ("clean a muddy boot", "Let the mud dry and brush it off, then wipe the boot with a damp cloth.", "Put the boot in the oven to bake the mud."),
    ("find a lost key in the garden", "Retrace your steps slowly and look near where you last used it.", "Mow the lawn as fast as possible."),
    ("tie a boat to a dock", "Loop a rope around a post and tie a secure knot.", "Hold the boat with one finger."),
    ("soften hard butter", "Leave it at room temperature for half an hour.", "Put it in the fridge for an hour."),
    ("measure the length of a table", "Lay a tape measure along the edge from end to end.", "Weigh the table on a bathroom scale."),
    ("keep a tent dry in the rain", "Pitch it on high ground and tighten the rain cover.", "Pitch it in a hollow where water collects."),
]

SOCIAL = [
    # situation, question, correct answer, two wrong answers
    ("{a} forgot {b}'s birthday and felt bad about it the next day.", "What will {a} want to do next?",
     "apologise and plan a small surprise", "forget about it again", "move to another city"),
    ("{a} stayed late to help {b} finish a project before the deadline.", "How would {b} feel as a result?",
     "grateful", "annoyed", "sleepy and bored"),
    ("{a} found a wallet on the bus and handed it to the driver.", "How would you describe {a}?",
     "honest", "careless", "greedy"),
    ("{a} practised the piano every day for a month before the concert.", "Why did {a} do this?",
     "to play well at the concert", "to annoy the neighbours", "to break the piano"),
    ("{a} shared lunch with {b}, who had left theirs at home.", "What will {b} probably say?",
     "thank you", "go away", "I am not hungry at all"),
    ("{a} missed the last train and had to walk home in the rain.", "How would {a} feel?",
     "tired and wet", "warm and dry", "excited to miss trains"),
    ("{a} told {b} the ending of the film before {b} had seen it.", "How would {b} feel?",
     "disappointed", "delighted", "hungry"),
    ("{a} studied hard and passed the exam with a high mark.", "How would {a} feel afterwards?",
     "proud", "ashamed", "confused about the result"),
]

ACTIVITIES = [
    # activity label, context starter, sensible ending, unrelated endings
    ("Making pancakes", "A person cracks two eggs into a bowl of flour and milk. They",
     "whisk the mixture until it is smooth and pour some into a hot pan.",
     ["climb onto the roof and paint the chimney.", "put the bowl on their head and start singing.", "throw the flour into the river."]),
    ("Washing a car", "A man fills a bucket with soapy water and walks to his car. He",
     "scrubs the doors with a sponge and rinses them with a hose.",
     ["reads a newspaper to the car.", "plants tomatoes in the bucket.", "ties the sponge to a kite."]),
    ("Tying shoelaces", "A child sits on the step and pulls the laces tight. She",
     "makes two loops and crosses them to tie a bow.",
     ["eats the laces one by one.", "starts to build a boat.", "paints the step bright blue."]),
    ("Painting a fence", "A woman stirs a tin of white paint and dips in a wide brush. She",
     "spreads the paint along the boards in long, even strokes.",
     ["pours the paint into a teapot.", "hangs the brush on a tree like a lantern.", "sells the fence to a passer-by."]),
    ("Playing chess", "Two friends set up the pieces on the board. The first player",
     "moves a pawn two squares forward to open the game.",
     ["throws the knight across the room.", "eats the queen for lunch.", "folds the board into a paper plane."]),
    ("Raking leaves", "A boy holds a rake at the edge of a lawn covered in leaves. He",
     "pulls the leaves into a big pile near the hedge.",
     ["reads the leaves aloud like a book.", "glues the leaves back onto the tree.", "uses the rake to comb a dog."]),
    ("Baking bread", "A baker kneads a soft dough on a floured table. She",
     "shapes it into a loaf and leaves it to rise under a cloth.",
     ["wears the dough as a hat.", "mails the dough to a friend.", "rolls it into the sea."]),
    ("Swimming laps", "A swimmer adjusts her goggles at the end of the pool. She",
     "pushes off the wall and swims front crawl to the other end.",
     ["starts to iron a shirt in the water.", "writes a letter on the tiles.", "plants a garden in the lane."]),
]

BOOLQ = [
    ("The Moon reflects light from the Sun and does not make light of its own.", "does the moon make its own light", False),
    ("Water expands as it freezes, so ice is less dense than liquid water and floats.", "does ice float on water", True),
    ("Spiders have eight legs, while insects such as ants and bees have six.", "is a spider an insect", False),
    ("Bats are mammals; they have fur and feed their young with milk, and many can fly.", "is a bat a mammal", True),
    ("Sound travels as a wave through air, water or solids, but not through empty space.", "can sound travel through empty space", False),
    ("Copper is a metal that conducts electricity well, which is why it is used in wires.", "does copper conduct electricity", True),
    ("A decade is ten years, and a century is one hundred years.", "is a century longer than a decade", True),
    ("Penguins are birds, but they cannot fly; they use their wings to swim.", "can penguins fly", False),
]

# More everyday vocabulary for the essay generator, so the merges cover
# ordinary English beyond the topics above.
MORE_NOUNS = w("""
accident account achievement action activity address adult advantage adventure
afternoon age agreement aim airport alarm album allowance ambition amount angle
announcement apartment appetite application appointment area argument army
arrangement arrival article assistant atmosphere attempt attention audience
author authority autumn award background balcony band bargain barrier basement
battery beginning behaviour belief benefit birthday blanket border bottom branch
breakfast breath brick budget business button cabin campaign candidate capacity
career carpet category ceiling celebration centre ceremony chapter character
charity childhood citizen classroom climate coast collection college comfort
committee community company comparison competition complaint concert condition
conference confidence connection conversation corner cottage council country
couple courage course cousin crowd culture customer damage danger daughter
deadline debate degree delay delivery department departure description design
detail development device difference difficulty dinner direction discovery
discussion disease distance district document doubt download drawing driver
economy edge education effect effort election element emergency emotion employee
engine entrance environment equipment escape evening event evidence example
exercise exhibition experience experiment explanation expression factory family
feature feedback festival figure finger fortune foundation freedom friendship
function future garage generation gift government grammar ground group growth
guest guide harvest health heat holiday homework hope horizon household
husband illness image imagination importance improvement income increase industry
information injury instruction instrument intelligence interest interview
introduction invention invitation island journey judgement junction kitchen
landscape language laughter leader leisure lesson level licence lifestyle limit
location luggage machine magazine majority manner marriage material meaning
measurement medicine meeting member message midnight minority minute mission
mixture moment month morning motion mountain movement neighbourhood network
newspaper noise notice novel number object occasion ocean offer opinion
opportunity orchestra organisation outcome owner painting palace parent passenger
passport patience pattern payment performance period permission personality
photograph physics picture pioneer planet platform pleasure pocket poem poetry
policy politics population position possibility poverty power practice
preparation presence president priority prison prize procedure process product
profession profit programme project property proposal protection public quality
quantity quarter queue radio range reaction reality receipt recording region
relationship religion reputation request research resource response responsibility
restaurant revolution reward rhythm risk routine safety salary sample scene
schedule scheme season section security sense sentence series service session
shadow shape share signal silence situation skill society solution source space
speech spirit standard statement station statue strategy strength structure
style subject success suggestion summary supply surface survey symbol system
talent target technology telescope television tendency tension territory theory
tradition traffic training transport treasure treatment trend triumph tunnel
universe university valley variety vegetable version victory village violence
vision visitor voice volunteer wealth website wedding weekend welfare witness
wonder workshop world youth
""")

MORE_VERBS = w("""
accept achieve admire advise afford allow announce appear apply appreciate
approve argue arrange arrive attach attend avoid balance believe belong borrow
calculate celebrate challenge change collect combine compare compete complain
complete concentrate confirm connect consider contain continue contribute
control convince correct create decide decorate defend deliver depend describe
deserve design destroy develop discover discuss divide earn educate encourage
enjoy examine exchange excite expect explain explore express fail fill follow
gather greet guess handle happen hurry identify ignore imagine improve include
increase inform inspire install intend introduce invent invite join judge
juggle knock land last learn listen manage marry match measure mention mind
miss notice observe obtain occur offer organise own paint pass perform permit
persuade pick plan prefer prepare present prevent print produce promise protect
provide publish pull punish push question raise reach realise receive recognise
recommend reduce refuse relax release remain remember remind remove repeat
replace reply report request require rescue respect return reveal review
satisfy search select separate serve settle share shout solve sort start
suggest supply support surprise survive switch touch train travel treat trust
try turn underline understand unite use value visit vote wander wash watch
welcome wish wonder worry
""")

MORE_ADJ = w("""
able absent accurate active actual afraid alive amazing ambitious annual anxious
apparent attractive available average awake aware awful basic beautiful
brief brilliant broad capable central certain challenging charming cheerful
chemical classic comfortable commercial complete complex confident considerable
constant convenient correct crazy creative critical crucial cultural curious
current daily decent delicate delighted dependent desperate digital direct
distinct domestic double dramatic eager economic effective efficient elderly
electric elegant emotional endless enormous entire equal essential eventual
exact excellent exciting existing expensive experienced extra extreme fair
faithful familiar fantastic fascinating favourite federal financial fine firm
flexible foreign formal former fortunate frequent friendly frozen funny general
generous genuine global glorious grand grateful guilty handsome harmful helpful
hidden historic honest horrible huge humble ideal identical illegal immediate
important impossible impressive independent individual industrial informal
initial innocent intelligent intense interesting internal international
invisible joyful junior kind large latest legal level likely limited literary
lively logical loyal lucky magic main major mature medical mental mere mild
minor missing mobile moderate modest moral multiple musical mysterious national
native natural necessary negative nervous neutral normal obvious occasional
official open opposite optimistic original outdoor overall painful pale
peaceful perfect permanent personal physical pleasant poor popular positive
possible potential powerful practical precious pregnant present pretty previous
primary private probable productive professional proper public pure purple
quick rapid rational raw ready realistic reasonable recent regular relevant
reliable remarkable remote responsible rich rural sacred satisfied scientific
secondary secret secure senior sensible separate serious severe silent silly
similar sincere single skilled social solid special specific splendid stable
steady strict strong stupid subtle successful sudden sufficient suitable
superb sure surprising suspicious sympathetic talented technical temporary
terrible thankful thorough tiny total tough traditional tropical true typical
ugly unable unexpected unfair unhappy unique universal unknown unlikely unusual
upset urban urgent usual valuable various vast visible vital warm weak wealthy
weird welcome whole wide willing wise wonderful worried worthy
""")

OPINION_OPENERS = bar("""Many people believe that | Some argue that | It is often said that |
In my experience, | Most experts agree that | A common mistake is to think that |
According to a recent survey, | It may seem strange, but | Looking back, it is clear that |
On the other hand, | For this reason, | As a result, | In other words, | Surprisingly, |
Of course, | At first glance, | Without doubt, | To be fair,""")
