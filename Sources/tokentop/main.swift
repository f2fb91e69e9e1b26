import TokentopCommands

await Tokentop.runMain()
