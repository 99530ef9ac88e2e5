-- hh.inbox: what Windows ships, as data, for telling Windows' own services
-- from what was added later.
--
-- NAMES: the service and driver key names of Windows itself (NT 4.0 to
-- Windows 11, inbox drivers included: storage miniports, video and bus
-- drivers Windows installs from its own driver store; .NET Framework,
-- Defender and Media Center services delivered by Windows Update). Gathered
-- from the Services keys of clean Windows installs seen in public forensic
-- test hives (Windows NT 4.0, XP, 7, 10) and Windows' published service
-- lists. Vendor software installed later is not here (VMware Tools, Intel
-- and NVIDIA display drivers, McAfee, Dropbox), nor are incident-response
-- tools. A name here is not a verdict: a dropped binary behind a Windows
-- name is still judged by the path rules, and judge() below also requires
-- the binary to be in a system directory.
--
-- Used by name-random (a Windows name is not "generated": DXGKrnl, sffdisk,
-- Cpqarray are real) and by lastwrite-cluster (a burst of Windows' own
-- services with their binaries in system directories, rewritten within
-- seconds, is Windows servicing).
--
-- Pure Lua; runs in the policy sandbox.
local paths = require "hh.paths"

local M = {}

local NAMES = {
  ".NET CLR Data", ".NET CLR Networking", ".NET CLR Networking 4.0.0.0",
  ".NET Data Provider for Oracle", ".NET Data Provider for SqlServer", ".NET Memory Cache 4.0",
  ".NETFramework", "1394ohci", "3ware", "AarSvc", "Abiosdsk", "abp480n5", "ACPI", "AcpiDev",
  "ACPIEC", "acpiex", "acpipagr", "AcpiPmi", "acpitime", "ADP80XX", "adp94xx", "adpahci",
  "adpu160m", "adpu320", "adsi", "aec", "AeLookupSvc", "AFD", "afunix", "agp440", "Aha154x",
  "Aha174x", "ahcache", "aic78u2", "aic78xx", "AJRouter", "Alerter", "ALG", "aliide", "amdagp",
  "amdgpio2", "amdi2c", "amdide", "AmdK8", "AMDPCN", "AMDPCN1", "AmdPPM", "amdsata", "amdsbs",
  "amdxata", "ami0nt", "amsint", "AppID", "AppIDSvc", "Appinfo", "applockerfltr", "AppMgmt",
  "AppReadiness", "AppVClient", "AppvStrm", "AppvVemgr", "AppvVfs", "AppXSvc", "arc", "arcsas",
  "Arrow", "asc", "asc3350p", "asc3550", "AssignedAccessManagerSvc", "AsyncMac", "atapi", "Atdisk",
  "ati", "Atmarpc", "AudioEndpointBuilder", "Audiosrv", "audstub", "autotimesvc", "AxInstSV",
  "b06bdrv", "b57nd60x", "bam", "BasicDisplay", "BasicRender", "BattC", "BcastDVRUserService",
  "bcbtums", "BCM43XX", "BcmBtRSupport", "bcmfn2", "BDESVC", "Beep", "BFE", "bindflt", "BITS",
  "blbdrive", "BluetoothUserService", "bowser", "BrFiltLo", "BrFiltUp", "BrokerInfrastructure",
  "Browser", "Brserid", "BrSerWdm", "BrUsbMdm", "BrUsbSer", "BTAGService", "BthA2dp",
  "BthAvctpSvc", "BthAvrcpTg", "BthEnum", "BthHFEnum", "bthhfhid", "BthHFSrv", "bthl2cap",
  "BthLEEnum", "BthMini", "BTHMODEM", "BthPan", "BTHPORT", "bthserv", "BTHUSB", "bttflt",
  "BusLogic", "Busmouse", "buttonconverter", "CAD", "camsvc", "CapImg", "CaptureService",
  "cbdhsvc", "cbidf2k", "cd20xrnt", "Cdaudio", "cdfs", "CDPSvc", "CDPUserSvc", "cdrom",
  "CertPropSvc", "Changer", "cht4iscsi", "cht4vbd", "CimFS", "circlass", "cirrus", "CiSvc",
  "CldFlt", "CLFS", "ClipSrv", "ClipSVC", "cloudidsvc", "clr_optimization_v2.0.50727_32",
  "clr_optimization_v2.0.50727_64", "clr_optimization_v4.0.30319_32",
  "clr_optimization_v4.0.30319_64", "CmBatt", "cmdide", "CNG", "cnghwassist", "Compbatt",
  "CompositeBus", "COMSysApp", "condrv", "ConsentUxUserSvc", "ContentFilter", "ContentIndex",
  "CoreMessagingRegistrar", "CoreUI", "Cpqarray", "cpqfws2e", "crcdisk",
  "CredentialEnrollmentManagerUserSvc", "crypt32", "CryptSvc", "CSC", "CscService", "ctlsb16",
  "dac2w2k", "dac960nt", "dam", "DC21x4", "dce376nt", "DCLocator", "DcomLaunch", "dcsvc",
  "defragsvc", "DellRbtn", "DeviceAssociationBrokerSvc", "DeviceAssociationService",
  "DeviceInstall", "DevicePickerUserSvc", "DevicesFlowUserSvc", "DevQueryBroker", "Dfsc", "Dhcp",
  "diagnosticshub.standardcollector.service", "diagsvc", "DiagTrack", "DialogBlockingService",
  "discache", "Disk", "Diskperf", "DispBrokerDesktopSvc", "Display", "DisplayEnhancementService",
  "dmadmin", "dmboot", "DmEnrollmentSvc", "dmio", "dmload", "dmserver", "DMusic", "dmvsc",
  "dmwappushservice", "Dnscache", "DoSvc", "dot3svc", "DPS", "dpti2o", "DptScsi", "drmkaud",
  "DsmSvc", "DsSvc", "dtc329x", "DusmSvc", "DXGKrnl", "E1G60", "e1i65x64", "e1iexpress", "EapHost",
  "ebdrv", "EFS", "ehRecvr", "ehSched", "ehstart", "EhStorClass", "EhStorTcgDrv", "elxstor",
  "embeddedmode", "EntAppSvc", "ErrDev", "ERSvc", "ESENT", "et4000", "eventlog", "EventSystem",
  "exfat", "fastfat", "FastUserSwitchingCompatibility", "Fax", "Fd16_700", "Fd7000ex", "Fd8xx",
  "fdc", "fdPHost", "FDResPub", "fhsvc", "FileCrypt", "FileInfo", "Filetrace", "Fips", "flashpnt",
  "Floppy", "flpydisk", "FltMgr", "FontCache", "FontCache3.0.0.0", "FrameServer",
  "FrameServerMonitor", "FsDepends", "Fs_Rec", "Ftdisk", "fvevol", "gagp30kx", "gencounter",
  "genericusbfn", "Gpc", "GPIOClx0101", "gpsvc", "GpuEnergyDrv", "GraphicsPerfSvc",
  "HdAudAddService", "HDAudBus", "helpsvc", "HidBatt", "HidBth", "hidi2c", "hidinterrupt", "HidIr",
  "hidserv", "hidspi", "HidUsb", "hkmsvc", "HomeGroupListener", "HomeGroupProvider", "hpn",
  "HpSAMD", "Hsp", "HTTP", "HTTPFilter", "hvcrash", "HvHost", "hvservice", "HwNClx0101",
  "hwpolicy", "hyperkbd", "HyperVideo", "i2omgmt", "i2omp", "i8042prt", "iagpio", "iai2c",
  "iaLPSS2i_GPIO2", "iaLPSS2i_GPIO2_BXT_P", "iaLPSS2i_I2C", "iaLPSS2i_I2C_BXT_P", "iaLPSSi_GPIO",
  "iaLPSSi_I2C", "iaStorAV", "iaStorAVC", "iaStorV", "ibbus", "icssvc", "idsvc", "iirsp", "IKEEXT",
  "Imapi", "ImapiService", "IndirectKmd", "inetaccs", "ini910u", "Inport", "InstallService",
  "intelide", "intelpep", "intelppm", "invdimm", "InventorySvc", "iorate", "Ip6Fw", "IPBusEnum",
  "IpFilterDriver", "iphlpsvc", "IpInIp", "IPMIDRV", "IPNAT", "IPSec", "IpxlatCfgSvc", "irda",
  "IRENUM", "irmon", "ISAPISearch", "isapnp", "iScsiPrt", "Jazzg300", "Jazzg364", "Jzvxl484",
  "kbdclass", "kbdhid", "kbldfltr", "kdnic", "KeyIso", "kmixer", "KSecDD", "KSecPkg", "KslD",
  "ksthunk", "KtmRm", "LanmanServer", "LanmanWorkstation", "lbrtfdc", "ldap", "lfsvc",
  "LicenseInfo", "LicenseManager", "LicenseService", "lltdio", "lltdsvc", "lmhosts", "LocalKdc",
  "Lsa", "LSI_FC", "LSI_SAS", "LSI_SAS2", "LSI_SAS2i", "LSI_SAS3i", "LSI_SCSI", "LSI_SSS", "LSM",
  "luafv", "LxpSvc", "MapsBroker", "mausbhost", "mausbip", "MbbCx", "McmSvc",
  "McpManagementService", "Mcx2Svc", "megasas", "megasas2i", "megasas35i", "megasr",
  "MessagingService", "Messenger", "mga", "mga_mil", "Microsoft_Bluetooth_AvrcpTransport",
  "mitsumi", "MixedRealityOpenXRSvc", "mkecr5xx", "mlx4_bus", "MMCSS", "mnmdd", "mnmsrvc", "Modem",
  "monitor", "mouclass", "mouhid", "mountmgr", "mpi3drvi", "mpio", "mpsdrv", "MpsSvc", "mraid35x",
  "MRxDAV", "mrxsmb", "mrxsmb10", "mrxsmb20", "msahci", "MsBridge", "msdsm", "MSDTC",
  "MSDTC Bridge 3.0.0.0", "MSDTC Bridge 4.0.0.0", "Msfs", "msgpioclx", "msgpiowin32", "mshidkmdf",
  "mshidumdf", "msisadrv", "MSiSCSI", "msiserver", "MsKeyboardFilter", "MSKSSRV", "MsLldp",
  "MsMpSvc", "MSPCLOCK", "MSPQM", "MsQuic", "MsRPC", "MSSCNTRS", "MsSecCore", "MsSecFlt",
  "mssmbios", "MSTEE", "msvmmouf", "MTConfig", "Mup", "mvumis", "napagent", "NativeWifiP",
  "NaturalAuthentication", "NcaSvc", "NcbService", "NcdAutoSetup", "Ncr53c9x", "ncr77c22",
  "Ncrc700", "Ncrc710", "ndfltr", "NDIS", "NdisCap", "NdisImPlatform", "NdisTapi", "Ndisuio",
  "NdisVirtualBus", "NdisWan", "ndiswanlegacy", "NDKPing", "ndproxy", "Ndu", "NetAdapterCx",
  "NetBIOS", "NetBIOSInformation", "NetbiosSmb", "NetBT", "NetDDE", "NetDDEdsdm", "NetDetect",
  "Netlogon", "Netman", "NetMsmqActivator", "NetPipeActivator", "netprofm", "NetSetupSvc",
  "NetTcpActivator", "NetTcpPortSharing", "netvsc", "netvscvfpp", "nfrd960", "NgcCtnrSvc",
  "NgcSvc", "Nla", "NlaSvc", "Npfs", "npsvctrig", "nsi", "nsiproxy", "NTDS", "Ntfs", "NtLmSsp",
  "NtmsSvc", "Null", "nvdimm", "nvdimmn", "nvpciflt", "nvraid", "nvstor", "nv_agp", "NwlnkFlt",
  "NwlnkFwd", "NwlnkIpx", "NwlnkNb", "NwlnkSpx", "ohci1394", "Oliscsi", "OneSyncSvc", "p2pimsvc",
  "p2psvc", "P9RdrService", "Parallel", "Parport", "partmgr", "Parvdm", "PcaSvc", "pci", "PCIDump",
  "pciide", "pcmcia", "pcw", "pdc", "PDCOMP", "PDFRAME", "PDRELI", "PDRFRAME", "PEAUTH",
  "PeerDistSvc", "PenService", "perc2", "perc2hib", "perceptionsimulation", "percsas2i",
  "percsas3i", "PerfDisk", "PerfHost", "PerfNet", "PerfOS", "PerfProc", "PhoneSvc",
  "PimIndexMaintenanceSvc", "PktMon", "pla", "PlugPlay", "pnpisa", "PNPMEM", "PNRPAutoReg",
  "PNRPsvc", "PolicyAgent", "portcfg", "PortProxy", "Power", "PptpMiniport", "PrintNotify",
  "PrintWorkflowUserSvc", "Processor", "ProfSvc", "ProtectedStorage", "Psched", "psidisp",
  "Ptilink", "PushToInstall", "ql1080", "Ql10wnt", "ql12160", "ql1240", "ql1280", "ql2300",
  "ql40xx", "qv", "QWAVE", "QWAVEdrv", "Ramdisk", "RasAcd", "RasAgileVpn", "RasAuto", "Rasl2tp",
  "RasMan", "RasPppoe", "Raspti", "RasSstp", "rdbss", "RDMANDK", "rdpbus", "RDPCDD", "RDPDD",
  "RDPDR", "RDPENCDD", "RDPNP", "RDPREFMP", "RDPUDD", "RdpVideoMiniport", "RDPWD", "Rdr",
  "RDSessMgr", "rdyboost", "redbook", "ReFS", "ReFSv1", "RemoteAccess", "RemoteRegistry",
  "Replicator", "RetailDemo", "RFCOMM", "rhproxy", "RmSvc", "RpcEptMapper", "RpcLocator", "RpcSs",
  "rspndr", "RSVP", "s3", "s3cap", "s3legacy", "SamSs", "sbp2port", "SCardSvr", "ScDeviceEnum",
  "scfilter", "Schedule", "scmbus", "SCPolicySvc", "ScsiPort", "Scsiprnt", "Scsiscan", "sdbus",
  "SDFRd", "SDRSVC", "sdstor", "secdrv", "seclogon", "SecurityHealthService", "SEMgrSvc", "SENS",
  "Sense", "SensorDataService", "SensorService", "SensrSvc", "SerCx", "SerCx2", "Serenum",
  "Serial", "sermouse", "ServiceModelEndpoint 3.0.0.0", "ServiceModelOperation 3.0.0.0",
  "ServiceModelService 3.0.0.0", "SessionEnv", "sffdisk", "sffp_mmc", "sffp_sd", "sfloppy",
  "SgrmAgent", "SgrmBroker", "SharedAccess", "SharedRealitySvc", "ShellHWDetection", "shpamsvc",
  "Simbad", "sisagp", "SiSRaid2", "SiSRaid4", "slcd32", "SmartSAMD", "Smb", "smbdirect", "smphost",
  "SmsRouter", "SMSvcHost 3.0.0.0", "SMSvcHost 4.0.0.0", "SNMP", "SNMPTRAP", "spaceparser",
  "spaceport", "Sparrow", "SpatialGraphFilter", "SpbCx", "spectrum", "spldr", "splitter", "Spock",
  "Spooler", "sppsvc", "sppuinotify", "sr", "srservice", "srv", "srv2", "srvnet", "SSDPSRV",
  "ssh-agent", "SstpSvc", "StateRepository", "stdcfltn", "stexstor", "StiSvc", "storahci",
  "storflt", "stornvme", "storqosflt", "storrid", "StorSvc", "storufs", "storvsc", "svsvc",
  "swenum", "swmidi", "swprv", "swwd", "symc810", "symc8xx", "sym_hi", "sym_u3", "sysaudio",
  "SysMain", "SysmonLog", "SystemEventsBroker", "T128", "T13B", "TabletInputService", "TapiSrv",
  "TBS", "Tcpip", "Tcpip6", "TCPIP6TUNNEL", "tcpipreg", "TCPIPTUNNEL", "TDPIPE", "TDTCP", "tdx",
  "Telemetry", "TermDD", "terminpt", "TermService", "TextInputManagementService", "tga", "Themes",
  "THREADORDER", "TieringEngineService", "tiledatamodelsvc", "TimeBroker", "TimeBrokerSvc",
  "TlntSvr", "tmv1", "TokenBroker", "TosIde", "TPM", "TrkWks", "TroubleshootingSvc",
  "TrustedInstaller", "TSDDD", "tssecsrv", "TsUsbFlt", "TsUsbGD", "tsusbhub", "tunnel",
  "tzautoupdate", "uagp35", "uaspstor", "UcmCx0101", "UcmTcpciCx0101", "UcmUcsi",
  "UcmUcsiAcpiClient", "UcmUcsiCx0101", "Ucx01000", "UdeCx", "udfs", "UdkUserSvc", "UEFI",
  "UevAgentDriver", "UevAgentService", "Ufx01000", "UfxChipidea", "ufxsynopsys", "UGatherer",
  "UGTHRSVC", "uhssvc", "UI0Detect", "uliagpkx", "ultra", "Ultra124", "Ultra14f", "Ultra24f",
  "umbus", "UmPass", "UmRdpService", "UnistoreSvc", "upnphost", "UPS", "UrsChipidea", "UrsCx01000",
  "UrsSynopsys", "usbaudio", "usbaudio2", "usbccgp", "usbcir", "usbehci", "usbhub", "USBHUB3",
  "usbohci", "usbprint", "usbser", "USBSTOR", "usbuhci", "usbvideo", "USBXHCI", "UserDataSvc",
  "UserManager", "UsoSvc", "UxSms", "v7vram", "VacSvc", "VaultSvc", "vdrvroot", "vds",
  "VerifierExt", "VfpExt", "vga", "VgaSave", "VgaStart", "VGPU", "vhdmp", "vhf", "viaagp", "ViaC7",
  "viaide", "Vid", "VirtualRender", "vmbus", "VMBusHID", "vmgid", "vmicguestinterface",
  "vmicheartbeat", "vmickvpexchange", "vmicrdv", "vmicshutdown", "vmictimesync", "vmicvmsession",
  "vmicvss", "vmscsi", "vnvdimm", "volmgr", "volmgrx", "volsnap", "volume", "vpc-s3", "vpcbus",
  "vpci", "vpcubus", "vpcuhub", "vsmraid", "VSS", "VSTXRAID", "vwifibus", "vwififlt", "vwifimp",
  "W32Time", "W3SVC", "WaaSMedicSvc", "WacomPen", "WalletService", "wanarp", "wanarpv6",
  "WarpJITSvc", "WatAdminSvc", "wbengine", "WbioSrvc", "wcifs", "Wcmsvc", "wcncsvc", "wcnfs",
  "WcsPlugInService", "Wd", "Wd33c93", "wd90c24a", "WdBoot", "Wdf01000", "WdFilter", "WDICA",
  "WdiServiceHost", "WdiSystemHost", "wdiwifi", "wdmaud", "WdmCompanionFilter", "WdNisDrv",
  "WdNisSvc", "wdnsfltr", "wdvga", "WebClient", "webthreatdefsvc", "webthreatdefusersvc", "Wecsvc",
  "weitekp9", "WEPHOSTSVC", "wercplsupport", "WerSvc", "WFDSConMgrSvc", "WfpLwf", "wfplwfs",
  "WiaRpc", "WIMMount", "WinDefend", "Windows Workflow Foundation 3.0.0.0",
  "Windows Workflow Foundation 4.0.0.0", "WindowsTrustedRT", "WindowsTrustedRTProxy",
  "WinHttpAutoProxySvc", "WinMad", "Winmgmt", "WinNat", "WinRM", "Winsock", "WinSock2", "WinTrust",
  "WINUSB", "WinVerbs", "wisvc", "Wlansvc", "wlidsvc", "wlpasvc", "WManSvc", "WmdmPmSN", "Wmi",
  "WmiAcpi", "WmiApRpl", "wmiApSrv", "WMPNetworkSvc", "Wof", "workfolderssvc", "WpcMonSvc",
  "WPCSvc", "WPDBusEnum", "WpdUpFltr", "WpnService", "WpnUserService", "ws2ifsl", "wscsvc",
  "WSearch", "WSearchIdxPi", "wtd", "wuauserv", "WudfPf", "WUDFRd", "wudfsvc", "WUDFWpdFs",
  "WwanSvc", "WZCSVC", "xbgm", "XblAuthManager", "XblGameSave", "xboxgip", "XboxGipSvc",
  "XboxNetApiSvc", "Xga", "xinputhid", "xmlprov", "ZTHELPER",
}

-- svchost -k groups Windows ships (lowercase).
local SVCHOST_GROUPS = {
  "akssvcgroup", "appmodel", "apphost", "appreadiness", "autotimesvc", "bcastdvruserservice",
  "bthsvcs", "camera", "cameramonitor", "clipboardsvcgroup", "dcomlaunch", "defragsvc",
  "devicesflow", "diagnostics", "gpsvcgroup", "httpfilter", "icservice", "imgsvc",
  "kpssvcgroup", "localservice", "localserviceandnoimpersonation", "localservicenetworkrestricted",
  "localservicenonetwork", "localservicenonetworkfirewall", "localservicepeernet",
  "localsystemnetworkrestricted", "mcpmanagementservicegroup", "netsvcs", "networkservice",
  "networkserviceandnoimpersonation", "networkservicenetworkrestricted", "ngckspsvcgroup",
  "p9rdrservice", "peerdist", "print", "printworkflow", "rdxgroup", "rpcss", "sdrsvcs",
  "secsvcs", "smbsvcs", "smphost", "swprv", "termsvcs", "unistacksvcgroup", "utcsvc",
  "wbiosvcgroup", "wephostsvcgroup", "wersvcgroup", "wsappx", "wudfservicegroup", "wusvcs",
}

-- Where Windows keeps the binaries of its own services (canonical form,
-- see hh.paths): System32 (drivers and the driver store included),
-- SysWOW64, the servicing stack, the .NET Framework, and the homes of the
-- Windows components that live elsewhere.
M.SYSTEM_DIRS = {
  paths.SYSTEM32,
  paths.WINDOWS .. "\\syswow64",
  paths.WINDOWS .. "\\servicing",
  paths.WINDOWS .. "\\microsoft.net",
  paths.WINDOWS .. "\\ehome",
  paths.WINDOWS .. "\\pchealth",
  [[c:\program files\windows defender]],
  [[c:\program files\windows defender advanced threat protection]],
  [[c:\programdata\microsoft\windows defender\platform]],
  [[c:\program files\windows media player]],
}
for i, d in ipairs(M.SYSTEM_DIRS) do M.SYSTEM_DIRS[i] = paths.normalize(d) end

-- Accounts Windows' services run as (lowercase; NT SERVICE\* by prefix).
local ACCOUNTS = {
  ["localsystem"] = true, [".\\localsystem"] = true, ["nt authority\\system"] = true,
  ["nt authority\\localservice"] = true, ["nt authority\\local service"] = true,
  ["nt authority\\networkservice"] = true, ["nt authority\\network service"] = true,
  ["localservice"] = true, ["networkservice"] = true,
}

local name_set, group_set = {}, {}
-- (an index loop and a local lower: this runs for a thousand names at every load)
local lower = string.lower
for i = 1, #NAMES do name_set[lower(NAMES[i])] = true end
for _, g in ipairs(SVCHOST_GROUPS) do group_set[g] = true end
M.NAMES, M.SVCHOST_GROUPS, M.SERVICE_ACCOUNTS = NAMES, SVCHOST_GROUPS, ACCOUNTS

-- Whether name is one of Windows' own service or driver names. A per-user
-- service instance (<template>_<hex>) counts by its template.
function M.is_windows_name(name)
  if type(name) ~= "string" then return false end
  local low = name:lower()
  if name_set[low] then return true end
  -- (a plain find first: the pattern backtracks over the whole name, and
  -- most names hold no "_")
  local base = low:find("_", 1, true) and low:match("^(.+)_%x+$")
  return base ~= nil and name_set[base] == true
end

function M.is_windows_group(group)
  return type(group) == "string" and group_set[group:lower()] == true
end

function M.standard_account(account)
  if account == nil then return true end
  if type(account) ~= "string" then return false end
  local a = paths.trim(account:lower())
  return a == "" or ACCOUNTS[a] == true or a:match("^nt service\\") ~= nil
end

-- The first of paths (normalised) outside the system directories, or nil.
function M.outside_system(list)
  local dirs = M.SYSTEM_DIRS
  for i = 1, #list do
    local p = list[i]
    local inside = false
    for j = 1, #dirs do
      if paths.is_under(p, dirs[j]) then inside = true; break end
    end
    if not inside then return p end
  end
  return nil
end

-- The normalised program and ServiceDll of a row: from the policy's facts
-- when it has them (the services policy's binary and dll), else worked out
-- here. Kernel drivers name their file relative to the Windows directory.
local function files_of(row, facts)
  local out = {}
  if facts and (facts.binary or facts.dll) then
    if facts.binary then out[#out + 1] = facts.binary end
    if facts.dll then out[#out + 1] = facts.dll end
    return out
  end
  local driver = math.type(row.type) == "integer" and row.type & 0x0B ~= 0
  if type(row.image_path) == "string" then
    local prog = paths.split_command(row.image_path)
    local p = prog and paths.normalize(prog, driver and paths.WINDOWS or paths.SYSTEM32)
    if p then out[#out + 1] = p end
  end
  if type(row.service_dll) == "string" then
    local p = paths.normalize(row.service_dll, paths.SYSTEM32)
    if p then out[#out + 1] = p end
  end
  return out
end

-- Whether a row looks like one of Windows' own services: its name is
-- Windows', every file it names is in a system directory, its svchost
-- group (if any) is one Windows ships, and it runs as a built-in account.
-- Returns true, or false and why not; the second result on false may be
-- the file outside the system directories (third result).
function M.judge(row, facts)
  if not M.is_windows_name(row.name) then return false, "not a Windows service name" end
  local outside = M.outside_system(files_of(row, facts))
  if outside then return false, "binary outside the system directories", outside end
  local group = facts and facts.svchost_group or row.svchost_group
  if group and not M.is_windows_group(group) then return false, "svchost group Windows does not ship" end
  if not M.standard_account(row.object_name) then return false, "runs as a non-standard account" end
  return true
end

-- The files of a row outside the system directories (first one), for
-- callers that do not care about the name.
function M.outside_file(row, facts)
  return M.outside_system(files_of(row, facts))
end

return M
