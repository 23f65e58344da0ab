import VeneerCommands

await VeneerCommand.runFromCommandLine()
